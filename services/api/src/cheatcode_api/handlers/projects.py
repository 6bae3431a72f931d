"""Projects: list, get, create."""

from __future__ import annotations

from cheatcode_api.domain.rows import ProjectRow
from cheatcode_api.handlers.deps import HandlerDeps, NotFoundError
from cheatcode_contracts import new_id
from cheatcode_contracts.projects import CreateProject

PROJECTION = "projects"
NOT_FOUND = "Project not found"


async def create_project(deps: HandlerDeps, user_id: str, *, name: str, description: str) -> ProjectRow:
    project_id = new_id()
    command = CreateProject(project_id=project_id, user_id=user_id, name=name, description=description)
    await deps.send_and_wait(command, PROJECTION)
    return await get_project(deps, user_id, project_id)


async def get_project(deps: HandlerDeps, user_id: str, project_id: str) -> ProjectRow:
    row = await deps.read_models.get_project(user_id, project_id)
    if row is None:
        raise NotFoundError(NOT_FOUND)
    return row


async def list_projects(deps: HandlerDeps, user_id: str, *, limit: int, offset: int) -> list[ProjectRow]:
    return await deps.read_models.list_projects(user_id, limit=limit, offset=offset)
