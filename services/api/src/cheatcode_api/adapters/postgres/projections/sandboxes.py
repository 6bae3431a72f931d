"""``sandboxes`` read model, and the ``sandbox`` object of the owning project's row."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_contracts.sandbox import (
    SandboxCreated,
    SandboxDeleted,
    SandboxFailed,
    SandboxStarted,
    SandboxStopped,
)
from cheatcode_runtime.eventstore import StoredEvent

UPSERT_CREATED = """
INSERT INTO sandboxes (sandbox_id, project_id, user_id, app_type, status, host_instance_id, preview_token, reason,
                       created_at, updated_at)
VALUES ($1, $2, $3, $4, 'creating', NULL, $5, NULL, $6, $6)
ON CONFLICT (sandbox_id) DO UPDATE
SET status = 'creating', host_instance_id = NULL, preview_token = EXCLUDED.preview_token, reason = NULL,
    app_type = EXCLUDED.app_type, updated_at = EXCLUDED.updated_at
"""
SET_STATUS = """
UPDATE sandboxes SET status = $2, host_instance_id = $3, reason = $4, updated_at = $5 WHERE sandbox_id = $1
"""
# The project shows its sandbox id (the original's ``projects.sandbox->>'id'``).
SET_PROJECT_SANDBOX = "UPDATE projects SET sandbox = $2 WHERE project_id = $1"


class SandboxesProjection(Projection):
    name = "sandboxes"
    handles = frozenset(
        {
            SandboxCreated.type_name,
            SandboxStarted.type_name,
            SandboxStopped.type_name,
            SandboxFailed.type_name,
            SandboxDeleted.type_name,
        }
    )

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event = stored.event
        at = event.occurred_at
        if isinstance(event, SandboxCreated):
            created = (event.sandbox_id, event.project_id, event.user_id, event.app_type, event.preview_token, at)
            return [(UPSERT_CREATED, created), (SET_PROJECT_SANDBOX, (event.project_id, {"id": event.sandbox_id}))]
        if isinstance(event, SandboxStarted):
            return [(SET_STATUS, (event.sandbox_id, "running", event.host_instance_id, None, at))]
        if isinstance(event, SandboxStopped):
            return [(SET_STATUS, (event.sandbox_id, "stopped", None, event.reason, at))]
        if isinstance(event, SandboxFailed):
            return [(SET_STATUS, (event.sandbox_id, "failed", None, event.reason, at))]
        if isinstance(event, SandboxDeleted):
            return [(SET_STATUS, (event.sandbox_id, "deleted", None, None, at))]
        return []

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        # The project row shares the projects projection's key: its insert comes first.
        return ("projects", args[0]) if sql == SET_PROJECT_SANDBOX else ("sandboxes", args[0])
