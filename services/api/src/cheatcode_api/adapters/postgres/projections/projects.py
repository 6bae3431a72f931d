"""``projects`` read model."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_api.domain.rows import project_row, values
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_runtime.eventstore import StoredEvent

INSERT_PROJECT = """
INSERT INTO projects (project_id, user_id, name, description, app_type, model_name, is_public, sandbox,
                      created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (project_id) DO NOTHING
"""


class ProjectsProjection(Projection):
    name = "projects"
    handles = frozenset({ProjectCreated.type_name})

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event = stored.event
        if isinstance(event, ProjectCreated):
            return [(INSERT_PROJECT, tuple(values(project_row(event))))]
        return []

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        return ("projects", args[0])
