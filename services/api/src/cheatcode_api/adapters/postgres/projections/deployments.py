"""``deployments`` and ``project_deployments`` read models: every step of every deployment."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from cheatcode_api.adapters.postgres.projection import Projection, Statement
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

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event = stored.event
        at = event.occurred_at
        if isinstance(event, d.DeploymentRequested):
            requested = (event.deployment_id, event.project_id, event.user_id, MESSAGES["queued"], at)
            latest = (event.project_id, event.user_id, event.deployment_id, at)
            return [(INSERT_REQUESTED, requested), (UPSERT_PROJECT_LATEST, latest)]
        if isinstance(event, d.DeploymentSuperseded):
            return [(SET_SUPERSEDED, (event.deployment_id, at))]
        if isinstance(event, d.DeploymentStarted):
            return [(SET_ATTEMPT, (event.deployment_id, "preparing", MESSAGES["preparing"], event.attempt, at))]
        if isinstance(event, d.DeploymentResumed):
            message = MESSAGES["resumed"].format(attempt=event.attempt)
            return [(SET_ATTEMPT, (event.deployment_id, "preparing", message, event.attempt, at))]
        if isinstance(event, d.DeploymentFilesCollected):
            message = MESSAGES["pushing"].format(count=event.file_count)
            return [(SET_FILES, (event.deployment_id, message, event.file_count, at))]
        if isinstance(event, d.DeploymentCreated):
            created = (event.deployment_id, MESSAGES["building"], event.vercel_deployment_id,
                       event.vercel_project_name, event.url, event.ready_state, at)  # fmt: skip
            project = (event.project_id, event.vercel_project_name, event.vercel_project_id,
                       event.vercel_deployment_id, event.url, at)  # fmt: skip
            return [(SET_CREATED, created), (SET_PROJECT_CREATED, project)]
        if isinstance(event, d.DeploymentProgressed):
            return [(SET_RAW_STATE, (event.deployment_id, event.ready_state, at))]
        if isinstance(event, d.DeploymentRetrying):
            message = f"Retrying in {event.retry_in_seconds:g} s after: {event.error[:100]}"
            return [(SET_STATE, (event.deployment_id, "preparing", message, at))]
        if isinstance(event, d.DeploymentSucceeded):
            succeeded = (event.deployment_id, event.url, event.ready_state, event.ready_at, at)
            return [(SET_SUCCEEDED, succeeded), (SET_PROJECT_URL, (event.project_id, event.url, at))]
        if isinstance(event, d.DeploymentFailed):
            return [(SET_FAILED, (event.deployment_id, event.error[:500], event.ready_state, at))]
        return []

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        # Every statement touches one row, named by its first argument.
        table = "project_deployments" if sql in PROJECT_STATEMENTS else "deployments"
        return (table, args[0])


PROJECT_STATEMENTS = frozenset({UPSERT_PROJECT_LATEST, SET_PROJECT_CREATED, SET_PROJECT_URL})
