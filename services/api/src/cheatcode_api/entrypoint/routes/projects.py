"""``/api/projects``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cheatcode_api.entrypoint.deps import CurrentUser, Deps
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.entrypoint.schemas import ProjectCreateIn, ProjectOut
from cheatcode_api.handlers import projects

router = APIRouter(tags=["projects"])


@router.get("/projects")
async def list_projects(
    user: CurrentUser,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ProjectOut]:
    rows = await projects.list_projects(deps, user.user_id, limit=limit, offset=offset)
    return [ProjectOut.of(row) for row in rows]


@router.post("/projects")
async def create_project(body: ProjectCreateIn, user: CurrentUser, deps: Deps) -> ProjectOut:
    row = await projects.create_project(deps, user.user_id, name=body.name, description=body.description or "")
    return ProjectOut.of(row)


@router.get("/projects/{project_id}")
async def get_project(project_id: str, user: CurrentUser, deps: Deps) -> ProjectOut:
    row = await projects.get_project(deps, user.user_id, uuid_or_404(project_id, projects.NOT_FOUND))
    return ProjectOut.of(row)
