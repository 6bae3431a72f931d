"""Reads of the ``composio_profiles`` read model."""

from __future__ import annotations

import json

import asyncpg

from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.ports.composio import ComposioReads, ProfileRow

COLUMNS = """profile_id, user_id, toolkit_slug, toolkit_name, profile_name, display_name, connected_account_id,
    enabled_tools, is_active, is_default, is_default_for_dashboard, created_at, updated_at, last_used_at"""
BY_USER = f"SELECT {COLUMNS} FROM composio_profiles WHERE user_id = $1 ORDER BY created_at DESC, profile_id"
BY_TOOLKIT = (
    f"SELECT {COLUMNS} FROM composio_profiles WHERE user_id = $1 AND toolkit_slug = $2"
    " ORDER BY created_at DESC, profile_id"
)
ONE = f"SELECT {COLUMNS} FROM composio_profiles WHERE user_id = $1 AND profile_id = $2"
NAME_TAKEN = """
SELECT EXISTS (SELECT 1 FROM composio_profiles WHERE user_id = $1 AND toolkit_slug = $2 AND profile_name = $3)
"""
DASHBOARD = (
    f"SELECT {COLUMNS} FROM composio_profiles WHERE user_id = $1 AND is_active AND is_default_for_dashboard"
    " ORDER BY created_at DESC, profile_id"
)


def _row(record: asyncpg.Record) -> ProfileRow:
    values = dict(record)
    tools = values.pop("enabled_tools")
    tools = json.loads(tools) if isinstance(tools, str) else tools
    return ProfileRow(**values, enabled_tools=tuple(str(tool) for tool in tools or []))


class PostgresComposioReads(ComposioReads):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def profiles(self, user_id: str, toolkit_slug: str | None = None) -> list[ProfileRow]:
        with database_errors_as_unavailable():
            if toolkit_slug:
                records = await self._pool.fetch(BY_TOOLKIT, user_id, toolkit_slug)
            else:
                records = await self._pool.fetch(BY_USER, user_id)
        return [_row(record) for record in records]

    async def profile(self, user_id: str, profile_id: str) -> ProfileRow | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(ONE, user_id, profile_id)
        return _row(record) if record else None

    async def name_taken(self, user_id: str, toolkit_slug: str, profile_name: str) -> bool:
        with database_errors_as_unavailable():
            return bool(await self._pool.fetchval(NAME_TAKEN, user_id, toolkit_slug, profile_name.strip()))

    async def dashboard_profiles(self, user_id: str) -> list[ProfileRow]:
        with database_errors_as_unavailable():
            records = await self._pool.fetch(DASHBOARD, user_id)
        return [_row(record) for record in records]
