"""``/api/threads``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cheatcode_api.domain.ids import canonical_uuid
from cheatcode_api.entrypoint.deps import CurrentUser, Deps
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.entrypoint.schemas import ThreadCreateIn, ThreadOut
from cheatcode_api.handlers import projects, threads

router = APIRouter(tags=["threads"])


@router.get("/threads")
async def list_threads(
    user: CurrentUser,
    deps: Deps,
    project_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ThreadOut]:
    if project_id is not None and canonical_uuid(project_id) is None:
        return []  # a filter that is not an id matches nothing
    project = canonical_uuid(project_id) if project_id is not None else None
    rows = await threads.list_threads(deps, user.user_id, project_id=project, limit=limit, offset=offset)
    return [ThreadOut.of(row) for row in rows]


@router.post("/threads")
async def create_thread(body: ThreadCreateIn, user: CurrentUser, deps: Deps) -> ThreadOut:
    project_id = uuid_or_404(body.project_id, projects.NOT_FOUND)
    return ThreadOut.of(await threads.create_thread(deps, user.user_id, project_id=project_id))
