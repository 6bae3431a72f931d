"""Reads of the ``deployments`` / ``project_deployments`` read models and of ``projects``."""

from __future__ import annotations

import asyncpg

from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.ports.deployments import DeployableProject, DeploymentReads, DeploymentRow, ProjectDeploymentRow

PROJECT = "SELECT project_id, user_id, name, app_type FROM projects WHERE project_id = $1"
SUMMARY = """
SELECT project_id, user_id, latest_deployment_id, vercel_project_name, last_deployment_id, url
FROM project_deployments WHERE project_id = $1
"""
DEPLOYMENT = """
SELECT deployment_id, project_id, state, message, vercel_deployment_id, url, raw_state, error, requested_at,
       created_at, ready_at
FROM deployments WHERE deployment_id = $1
"""
DEPLOYED = "SELECT count(*) FROM project_deployments WHERE user_id = $1 AND last_deployment_id IS NOT NULL"


class PostgresDeploymentReads(DeploymentReads):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def project(self, project_id: str) -> DeployableProject | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(PROJECT, project_id)
        return DeployableProject(**dict(record)) if record else None

    async def summary(self, project_id: str) -> ProjectDeploymentRow | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(SUMMARY, project_id)
        return ProjectDeploymentRow(**dict(record)) if record else None

    async def deployment(self, deployment_id: str) -> DeploymentRow | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(DEPLOYMENT, deployment_id)
        return DeploymentRow(**dict(record)) if record else None

    async def deployed_projects(self, user_id: str) -> int:
        with database_errors_as_unavailable():
            count = await self._pool.fetchval(DEPLOYED, user_id)
        return int(count or 0)
