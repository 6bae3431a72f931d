"""The deployment commands: record a request, redeploy and wait for the outcome, report settings.

The plan limit and project ownership are checked by the caller (the API has the read models);
here: Vercel configured (else ``unavailable``), the workspace has files (else ``invalid``).
"""

from __future__ import annotations

import asyncio
import time
import uuid

from cheatcode_contracts import CommandReply, Event
from cheatcode_contracts.deployments import (
    NO_FILES,
    REDEPLOY_REPLY_SECONDS,
    TERMINAL_STATES,
    VERCEL_NOT_CONFIGURED,
    DeploymentAccepted,
    DeploymentOutcome,
    DeploymentSettings,
    GetDeploymentSettings,
    Redeploy,
    RequestDeployment,
    reply_result,
)
from cheatcode_contracts.sandbox import app_dir, sandbox_id_for
from cheatcode_integrations.domain import deployment as domain
from cheatcode_integrations.handlers.deployment_deps import DeploymentDeps
from cheatcode_integrations.handlers.workspace_collect import has_files
from cheatcode_integrations.ports.workspace import WorkspaceUnavailableError
from cheatcode_runtime.errors import Invalid, Unavailable

_IDS = uuid.UUID("0d9f3f0e-8f4e-4f1b-9a51-6d1f2b7c0a44")


def deployment_id_for(command_id: str) -> str:
    """Stable per command: a retried command records (and answers) the same deployment."""
    return str(uuid.uuid5(_IDS, command_id))


async def _record_request(command: RequestDeployment, deps: DeploymentDeps, *, synchronous: bool) -> tuple[str, int]:
    if not deps.vercel.configured:
        raise Unavailable(VERCEL_NOT_CONFIGURED)
    sandbox_id = sandbox_id_for(command.project_id)
    try:
        if not await has_files(deps.workspace, sandbox_id, app_dir(command.app_type)):
            raise Invalid(NO_FILES)
    except WorkspaceUnavailableError:
        raise Unavailable("sandbox service unavailable, retry later") from None
    deployment_id = deployment_id_for(command.command_id)

    def decide(state: domain.ProjectDeployments) -> list[Event]:
        if state.find(deployment_id) is not None or deployment_id in state.superseded:
            return []  # this command was recorded already
        return domain.request(
            state,
            deployment_id=deployment_id,
            user_id=command.user_id,
            sandbox_id=sandbox_id,
            app_type=command.app_type,
            project_name=command.project_name,
            now=deps.clock(),
            debounce=deps.timing.debounce_seconds,
            synchronous=synchronous,
        )

    loaded = await deps.repository.update(command.project_id, decide, key=command.command_id)
    return deployment_id, loaded.position


async def request_deployment(command: RequestDeployment, deps: DeploymentDeps) -> CommandReply:
    deployment_id, position = await _record_request(command, deps, synchronous=False)
    return CommandReply.success(position, **reply_result(DeploymentAccepted(deployment_id=deployment_id)))


async def redeploy(command: Redeploy, deps: DeploymentDeps) -> CommandReply:
    """Record a request without debounce, then wait until the worker finished it."""
    deployment_id, _ = await _record_request(command, deps, synchronous=True)
    ends = time.monotonic() + REDEPLOY_REPLY_SECONDS - 30.0
    while time.monotonic() < ends:
        loaded = await deps.repository.load(command.project_id)
        state = loaded.state
        if deployment_id in state.superseded:
            outcome = DeploymentOutcome(
                deployment_id=deployment_id, state="superseded", message="superseded by a newer deployment request"
            )
            return CommandReply.success(loaded.position, **reply_result(outcome))
        attempt = state.find(deployment_id)
        if attempt is not None and attempt.state in TERMINAL_STATES:
            outcome = DeploymentOutcome(
                deployment_id=deployment_id,
                state=attempt.state,
                vercel_deployment_id=attempt.vercel_deployment_id,
                url=attempt.url,
                message=attempt.error or "",
            )
            return CommandReply.success(loaded.position, **reply_result(outcome))
        await asyncio.sleep(deps.timing.redeploy_poll_seconds)
    raise Unavailable("redeployment still running; follow deployment/live-status")


async def deployment_settings(command: GetDeploymentSettings, deps: DeploymentDeps) -> CommandReply:
    return CommandReply.success(0, **reply_result(DeploymentSettings(vercel_configured=deps.vercel.configured)))
