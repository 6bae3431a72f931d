"""``/api/project/{project_id}/deploy/git[/update]`` and ``/deployment/[live-]status`` (reference §11).

A bearer token is required (401); another user's project, or one that does not exist, is 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from cheatcode_api.entrypoint.deps import ContainerDep, CurrentUser
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.handlers import deployments as use
from cheatcode_api.handlers.errors import NotConfiguredError

router = APIRouter(tags=["deployments"])


async def deployment_deps(container: ContainerDep) -> use.DeploymentDeps:
    deps = container.deployment_deps
    if deps is None:
        raise NotConfiguredError("Deployments are not available on this server")
    return deps


Deps = Annotated[use.DeploymentDeps, Depends(deployment_deps)]
# The frontend sends {"domains": []}; the newer reference ignores the body, and so do we.
IgnoredBody = Annotated[dict[str, Any] | None, Body()]


@router.post("/project/{project_id}/deploy/git")
async def deploy(project_id: str, user: CurrentUser, deps: Deps, body: IgnoredBody = None) -> dict[str, Any]:
    return await use.deploy(deps, user.user_id, uuid_or_404(project_id, use.PROJECT_NOT_FOUND))


@router.post("/project/{project_id}/deploy/git/update")
async def redeploy(project_id: str, user: CurrentUser, deps: Deps, body: IgnoredBody = None) -> dict[str, Any]:
    return await use.redeploy(deps, user.user_id, uuid_or_404(project_id, use.PROJECT_NOT_FOUND))


@router.get("/project/{project_id}/deployment/status")
async def deployment_status(project_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.status(deps, user.user_id, uuid_or_404(project_id, use.PROJECT_NOT_FOUND))


@router.get("/project/{project_id}/deployment/live-status")
async def live_status(project_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.live_status(deps, user.user_id, uuid_or_404(project_id, use.PROJECT_NOT_FOUND))
