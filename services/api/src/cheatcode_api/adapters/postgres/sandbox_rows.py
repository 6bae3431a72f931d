"""Reads of the ``sandboxes`` read model (and the project facts sandbox routes need)."""

from __future__ import annotations

import asyncpg

from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.domain.rows import ProjectOwner, SandboxRow
from cheatcode_api.ports.sandboxes import SandboxReads

SANDBOX = """
SELECT s.sandbox_id, s.project_id, s.user_id, s.app_type, s.status, s.preview_token,
       COALESCE(p.name, '') AS project_name
FROM sandboxes s LEFT JOIN projects p ON p.project_id = s.project_id
WHERE s.sandbox_id = $1 AND s.status <> 'deleted'
"""
PROJECT = "SELECT project_id, user_id, app_type FROM projects WHERE project_id = $1"


class PostgresSandboxReads(SandboxReads):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def sandbox(self, sandbox_id: str) -> SandboxRow | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(SANDBOX, sandbox_id)
        return SandboxRow(**dict(record)) if record else None

    async def project(self, project_id: str) -> ProjectOwner | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(PROJECT, project_id)
        return ProjectOwner(**dict(record)) if record else None
