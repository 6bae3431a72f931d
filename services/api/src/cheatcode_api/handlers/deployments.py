"""Deployment use cases behind ``/api/project/{id}/deploy/git[/update]`` and ``deployment/[live-]status`` (§11).

The API checks what its read models know (ownership, the plan limit over deployed projects),
the integrations service records the request and runs it; progress is read back from the
``deployments`` read model, never from Vercel on the request path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cheatcode_api.handlers.errors import ApiError, ForbiddenError, NotFoundError
from cheatcode_api.ports.commands import CommandBus, CommandRejectedError
from cheatcode_api.ports.deployments import DeployableProject, DeploymentReads, DeploymentRow
from cheatcode_api.ports.read_models import CheckpointWaiter
from cheatcode_contracts import ErrorCode
from cheatcode_contracts.billing import AccountSnapshot, GetAccountStatus
from cheatcode_contracts.deployments import (
    IN_PROGRESS_STATES,
    VERCEL_NOT_CONFIGURED,
    DeploymentAccepted,
    DeploymentOutcome,
    DeploymentSettings,
    GetDeploymentSettings,
    Redeploy,
    RequestDeployment,
)
from cheatcode_contracts.plans import PLANS
from cheatcode_contracts.projects import as_app_type

PROJECTION = "deployments"
PROJECT_NOT_FOUND = "Project not found or access denied"
SETTINGS_TTL_SECONDS = 10.0
READY_STATES = {"QUEUED": "building", "BUILDING": "building", "INITIALIZING": "building", "READY": "deployed"}


class DeploymentFailedError(ApiError):
    """Vercel (or the workflow) failed the redeploy: an upstream failure, not ours."""

    status = 502


@dataclass
class DeploymentDeps:
    commands: CommandBus
    rows: DeploymentReads
    waiter: CheckpointWaiter
    _settings: tuple[float, bool] | None = field(default=None, repr=False)

    async def vercel_configured(self) -> bool:
        """Asked of the integrations service (it holds the token), cached for a few seconds."""
        now = time.monotonic()
        if self._settings is not None and now - self._settings[0] < SETTINGS_TTL_SECONDS:
            return self._settings[1]
        settings = await self.commands.ask(GetDeploymentSettings(), DeploymentSettings)
        self._settings = (now, settings.vercel_configured)
        return settings.vercel_configured


async def owned_project(deps: DeploymentDeps, user_id: str, project_id: str) -> DeployableProject:
    project = await deps.rows.project(project_id)
    if project is None or project.user_id != user_id:
        raise NotFoundError(PROJECT_NOT_FOUND)
    return project


async def check_plan_limit(deps: DeploymentDeps, project: DeployableProject) -> None:
    """§11: on a project's first deployment, the user's deployed projects must stay under the plan's limit."""
    summary = await deps.rows.summary(project.project_id)
    if summary is not None and summary.last_deployment_id is not None:
        return
    account = await deps.commands.ask(GetAccountStatus(user_id=project.user_id), AccountSnapshot)
    plan = PLANS.get(account.plan_id)
    limit = plan.max_deployments if plan is not None else 1
    if await deps.rows.deployed_projects(project.user_id) >= limit:
        raise ForbiddenError(f"Deployment limit reached. Your {account.plan_id} plan allows {limit} deployed projects.")


async def deploy(deps: DeploymentDeps, user_id: str, project_id: str) -> dict[str, Any]:
    project = await owned_project(deps, user_id, project_id)
    await check_plan_limit(deps, project)
    command = RequestDeployment(
        project_id=project_id, user_id=user_id, project_name=project.name, app_type=as_app_type(project.app_type)
    )
    reply = await _send(deps, command)
    accepted = DeploymentAccepted.model_validate(reply.result)
    await deps.waiter.wait_for(PROJECTION, reply.position)  # live-status sees "queued" at once
    return {
        "status": "deploying",
        "message": "Deployment started via background pipeline",
        "deployment_id": accepted.deployment_id,
    }


async def redeploy(deps: DeploymentDeps, user_id: str, project_id: str) -> dict[str, Any]:
    project = await owned_project(deps, user_id, project_id)
    command = Redeploy(
        project_id=project_id, user_id=user_id, project_name=project.name, app_type=as_app_type(project.app_type)
    )
    reply = await _send(deps, command)
    outcome = DeploymentOutcome.model_validate(reply.result)
    await deps.waiter.wait_for(PROJECTION, reply.position)
    if outcome.state != "deployed" or outcome.url is None:
        raise DeploymentFailedError(f"Redeployment failed: {outcome.message[:100] or outcome.state}")
    return {
        "deploymentId": outcome.vercel_deployment_id,
        "domains": [outcome.url],
        "url": f"https://{outcome.url}",
        "status": "ok",
    }


async def _send(deps: DeploymentDeps, command: RequestDeployment) -> Any:
    try:
        return await deps.commands.send(command)
    except CommandRejectedError as error:
        if error.code is ErrorCode.INVALID:  # "No files found in workspace to deploy" is a 400 (§11)
            raise _BadRequest(error.detail) from None
        raise


class _BadRequest(ApiError):
    status = 400


async def status(deps: DeploymentDeps, user_id: str, project_id: str) -> dict[str, Any]:
    project = await owned_project(deps, user_id, project_id)
    summary = await deps.rows.summary(project_id)
    deployed = summary is not None and summary.last_deployment_id is not None
    url = summary.url if summary is not None and deployed else None
    return {
        "has_deployment": deployed,
        "domains": [url] if url else [],
        "url": url,
        "last_deployment_id": summary.last_deployment_id if summary else None,
        "project_name": summary.vercel_project_name if summary else None,
        "app_type": as_app_type(project.app_type),
    }


async def live_status(deps: DeploymentDeps, user_id: str, project_id: str) -> dict[str, Any]:
    await owned_project(deps, user_id, project_id)
    summary = await deps.rows.summary(project_id)
    latest_id = summary.latest_deployment_id if summary else None
    latest = await deps.rows.deployment(latest_id) if latest_id else None
    last_id = summary.last_deployment_id if summary else None
    if latest is not None and latest.state in IN_PROGRESS_STATES:
        return {
            "state": latest.state,
            "message": latest.message,
            "deployment_id": latest.vercel_deployment_id or last_id,
            "in_progress": True,
        }
    if latest is not None and latest.state == "failed" and latest.vercel_deployment_id is None:
        # Failed before Vercel had it (no files, Vercel refused): the reference's "failed" progress key.
        return {"state": "failed", "message": latest.message, "deployment_id": last_id, "in_progress": False}
    if last_id is None:
        return {"state": "none", "message": "No deployment found", "deployment_id": None}
    if not await deps.vercel_configured():
        return {"state": "unknown", "message": VERCEL_NOT_CONFIGURED, "deployment_id": last_id}
    if latest is None or latest.vercel_deployment_id is None:
        return {"state": "unknown", "message": "Deployment state not recorded", "deployment_id": last_id}
    return _final(latest)


def _final(row: DeploymentRow) -> dict[str, Any]:
    raw = row.raw_state or ""
    state = READY_STATES.get(raw, "failed" if raw in ("ERROR", "CANCELED") else "unknown")
    if row.state == "failed" and state == "unknown":
        state = "failed"
    body: dict[str, Any] = {
        "state": state,
        "raw_state": raw or None,
        "deployment_id": row.vercel_deployment_id,
        "url": row.url,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "ready_at": row.ready_at.isoformat() if row.ready_at else None,
        "domains": [row.url] if row.url else [],
    }
    if state == "failed":
        body["message"] = row.error or row.message
    return body
