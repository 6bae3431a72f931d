"""``deployments`` and ``project_deployments`` read models: every step of every deployment."""

from __future__ import annotations

import asyncpg

from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_contracts import deployments as d
from cheatcode_runtime.eventstore import StoredEvent

INSERT_REQUESTED = """
INSERT INTO deployments (deployment_id, project_id, user_id, state, message, requested_at, updated_at)
VALUES ($1, $2, $3, 'queued', $4, $5, $5)
ON CONFLICT (deployment_id) DO NOTHING
"""
UPSERT_PROJECT_LATEST = """
INSERT INTO project_deployments (project_id, user_id, latest_deployment_id, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (project_id) DO UPDATE SET latest_deployment_id = EXCLUDED.latest_deployment_id,
                                       updated_at = EXCLUDED.updated_at
"""
SET_STATE = "UPDATE deployments SET state = $2, message = $3, updated_at = $4 WHERE deployment_id = $1"
SET_ATTEMPT = """
UPDATE deployments SET state = $2, message = $3, attempt = $4, updated_at = $5 WHERE deployment_id = $1
"""
SET_FILES = """
UPDATE deployments SET state = 'pushing', message = $2, file_count = $3, updated_at = $4 WHERE deployment_id = $1
"""
SET_CREATED = """
UPDATE deployments SET state = 'building', message = $2, vercel_deployment_id = $3, vercel_project_name = $4,
                       url = $5, raw_state = $6, created_at = $7, updated_at = $7
WHERE deployment_id = $1
"""
SET_PROJECT_CREATED = """
UPDATE project_deployments SET vercel_project_name = $2, vercel_project_id = $3, last_deployment_id = $4, url = $5,
                               updated_at = $6
WHERE project_id = $1
"""
SET_RAW_STATE = "UPDATE deployments SET raw_state = $2, updated_at = $3 WHERE deployment_id = $1"
SET_SUCCEEDED = """
UPDATE deployments SET state = 'deployed', message = 'Deployment is live', url = $2, raw_state = $3,
                       ready_at = $4, updated_at = $5
WHERE deployment_id = $1
"""
SET_PROJECT_URL = "UPDATE project_deployments SET url = $2, updated_at = $3 WHERE project_id = $1"
SET_FAILED = """
UPDATE deployments SET state = 'failed', message = $2, error = $2, raw_state = COALESCE($3, raw_state), updated_at = $4
WHERE deployment_id = $1
"""
SET_SUPERSEDED = """
UPDATE deployments SET state = 'superseded', message = 'Superseded by a newer deployment request', updated_at = $2
WHERE deployment_id = $1
"""

MESSAGES = {
    "queued": "Waiting to start deployment...",
    "preparing": "Starting deployment...",
    "resumed": "Resuming deployment (attempt {attempt})...",
    "pushing": "Collecting files... {count} files",
    "building": "Deploying to Vercel...",
}


class DeploymentsProjection(Projection):
    name = "deployments"
    handles = frozenset(event.type_name for event in d.EVENTS)

    async def apply(self, conn: asyncpg.Connection, stored: StoredEvent) -> None:
        event = stored.event
        at = event.occurred_at
        if isinstance(event, d.DeploymentRequested):
            await conn.execute(
                INSERT_REQUESTED, event.deployment_id, event.project_id, event.user_id, MESSAGES["queued"], at
            )
            await conn.execute(UPSERT_PROJECT_LATEST, event.project_id, event.user_id, event.deployment_id, at)
        elif isinstance(event, d.DeploymentSuperseded):
            await conn.execute(SET_SUPERSEDED, event.deployment_id, at)
        elif isinstance(event, d.DeploymentStarted):
            await conn.execute(SET_ATTEMPT, event.deployment_id, "preparing", MESSAGES["preparing"], event.attempt, at)
        elif isinstance(event, d.DeploymentResumed):
            message = MESSAGES["resumed"].format(attempt=event.attempt)
            await conn.execute(SET_ATTEMPT, event.deployment_id, "preparing", message, event.attempt, at)
        elif isinstance(event, d.DeploymentFilesCollected):
            message = MESSAGES["pushing"].format(count=event.file_count)
            await conn.execute(SET_FILES, event.deployment_id, message, event.file_count, at)
        elif isinstance(event, d.DeploymentCreated):
            await conn.execute(
                SET_CREATED,
                event.deployment_id,
                MESSAGES["building"],
                event.vercel_deployment_id,
                event.vercel_project_name,
                event.url,
                event.ready_state,
                at,
            )
            await conn.execute(
                SET_PROJECT_CREATED,
                event.project_id,
                event.vercel_project_name,
                event.vercel_project_id,
                event.vercel_deployment_id,
                event.url,
                at,
            )
        elif isinstance(event, d.DeploymentProgressed):
            await conn.execute(SET_RAW_STATE, event.deployment_id, event.ready_state, at)
        elif isinstance(event, d.DeploymentRetrying):
            message = f"Retrying in {event.retry_in_seconds:g} s after: {event.error[:100]}"
            await conn.execute(SET_STATE, event.deployment_id, "preparing", message, at)
        elif isinstance(event, d.DeploymentSucceeded):
            await conn.execute(SET_SUCCEEDED, event.deployment_id, event.url, event.ready_state, event.ready_at, at)
            await conn.execute(SET_PROJECT_URL, event.project_id, event.url, at)
        elif isinstance(event, d.DeploymentFailed):
            await conn.execute(SET_FAILED, event.deployment_id, event.error[:500], event.ready_state, at)
