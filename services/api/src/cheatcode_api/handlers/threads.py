"""Threads: list, create (only in a project the caller owns)."""

from __future__ import annotations

from cheatcode_api.domain.rows import ThreadRow
from cheatcode_api.handlers.deps import HandlerDeps, NotFoundError
from cheatcode_api.handlers.projects import NOT_FOUND as PROJECT_NOT_FOUND
from cheatcode_contracts import new_id
from cheatcode_contracts.threads import CreateThread

PROJECTION = "threads"
NOT_FOUND = "Thread not found"


async def create_thread(deps: HandlerDeps, user_id: str, *, project_id: str) -> ThreadRow:
    """The owning service checks that ``user_id`` owns the project (it holds the truth)."""
    thread_id = new_id()
    command = CreateThread(thread_id=thread_id, project_id=project_id, user_id=user_id)
    await deps.send_and_wait(command, PROJECTION, not_found=PROJECT_NOT_FOUND)
    return await get_thread(deps, user_id, thread_id)


async def get_thread(deps: HandlerDeps, user_id: str, thread_id: str) -> ThreadRow:
    row = await deps.read_models.get_thread(user_id, thread_id)
    if row is None:
        raise NotFoundError(NOT_FOUND)
    return row


async def list_threads(
    deps: HandlerDeps, user_id: str, *, project_id: str | None, limit: int, offset: int
) -> list[ThreadRow]:
    return await deps.read_models.list_threads(user_id, project_id=project_id, limit=limit, offset=offset)
