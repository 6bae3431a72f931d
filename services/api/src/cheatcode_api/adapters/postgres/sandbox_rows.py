"""Reads of the ``sandboxes`` read model (and the project facts sandbox routes need)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class SandboxRow:
    sandbox_id: str
    project_id: str
    user_id: str
    app_type: str
    status: str
    preview_token: str
    project_name: str


@dataclass(frozen=True)
class ProjectOwner:
    project_id: str
    user_id: str
    app_type: str


SANDBOX = """
SELECT s.sandbox_id, s.project_id, s.user_id, s.app_type, s.status, s.preview_token,
       COALESCE(p.name, '') AS project_name
FROM sandboxes s LEFT JOIN projects p ON p.project_id = s.project_id
WHERE s.sandbox_id = $1 AND s.status <> 'deleted'
"""
PROJECT = "SELECT project_id, user_id, app_type FROM projects WHERE project_id = $1"


class SandboxRows:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def sandbox(self, sandbox_id: str) -> SandboxRow | None:
        record = await self._pool.fetchrow(SANDBOX, sandbox_id)
        return SandboxRow(**dict(record)) if record else None

    async def project(self, project_id: str) -> ProjectOwner | None:
        record = await self._pool.fetchrow(PROJECT, project_id)
        return ProjectOwner(**dict(record)) if record else None
