"""``composio_profiles``: one row per live credential profile (deleted ones are removed)."""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_contracts import composio as c
from cheatcode_runtime.eventstore import StoredEvent

INSERT = """
INSERT INTO composio_profiles (profile_id, user_id, toolkit_slug, toolkit_name, profile_name, display_name,
    connected_account_id, enabled_tools, is_active, is_default, is_default_for_dashboard, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $12)
ON CONFLICT (profile_id) DO NOTHING
"""
CHANGE = """
UPDATE composio_profiles SET
    profile_name = COALESCE($2, profile_name),
    display_name = COALESCE($3, display_name),
    is_active = COALESCE($4, is_active),
    is_default = COALESCE($5, is_default),
    is_default_for_dashboard = COALESCE($6, is_default_for_dashboard),
    enabled_tools = COALESCE($7::jsonb, enabled_tools),
    updated_at = $8
WHERE profile_id = $1
"""
USED = "UPDATE composio_profiles SET last_used_at = $2 WHERE profile_id = $1"
DELETE = "DELETE FROM composio_profiles WHERE profile_id = $1"


class ComposioProfilesProjection(Projection):
    name = "composio_profiles"
    handles = frozenset(event.type_name for event in c.EVENTS)

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event = stored.event
        at = event.occurred_at
        if isinstance(event, c.CredentialProfileCreated):
            row = (
                event.profile_id,
                event.user_id,
                event.toolkit_slug,
                event.toolkit_name,
                event.profile_name,
                event.display_name,
                event.connected_account_id,
                json.dumps(event.enabled_tools),
                event.is_active,
                event.is_default,
                event.is_default_for_dashboard,
                at,
            )
            return [(INSERT, row)]
        if isinstance(event, c.CredentialProfileChanged):
            tools = json.dumps(event.enabled_tools) if event.enabled_tools is not None else None
            changes = (event.profile_name, event.display_name, event.is_active, event.is_default)
            return [(CHANGE, (event.profile_id, *changes, event.is_default_for_dashboard, tools, at))]
        if isinstance(event, c.CredentialProfileUsed):
            return [(USED, (event.profile_id, at))]
        if isinstance(event, c.CredentialProfileDeleted):
            return [(DELETE, (event.profile_id,))]
        return []

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        return ("composio_profiles", args[0])
