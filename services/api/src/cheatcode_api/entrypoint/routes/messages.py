"""``/api/threads/{thread_id}/messages``: a bare JSON array, oldest first (like the other lists)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cheatcode_api.entrypoint.deps import CurrentUser, Deps
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.entrypoint.schemas import MessageCreateIn, MessageOut
from cheatcode_api.handlers import messages, threads

router = APIRouter(tags=["messages"])


@router.get("/threads/{thread_id}/messages")
async def list_messages(
    thread_id: str,
    user: CurrentUser,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[MessageOut]:
    thread = uuid_or_404(thread_id, threads.NOT_FOUND)
    rows = await messages.list_messages(deps, user.user_id, thread, limit=limit, offset=offset)
    return [MessageOut.of(row) for row in rows]


@router.post("/threads/{thread_id}/messages")
async def add_message(thread_id: str, body: MessageCreateIn, user: CurrentUser, deps: Deps) -> MessageOut:
    thread = uuid_or_404(thread_id, threads.NOT_FOUND)
    row = await messages.add_user_message(deps, user.user_id, thread, content=body.content, metadata=body.metadata)
    return MessageOut.of(row)
