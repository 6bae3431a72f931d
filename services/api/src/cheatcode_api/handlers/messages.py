"""Messages of a thread: list (oldest first), post a user message."""

from __future__ import annotations

from typing import Any

from cheatcode_api.domain.rows import MessageRow
from cheatcode_api.handlers.deps import HandlerDeps, NotFoundError
from cheatcode_api.handlers.threads import NOT_FOUND as THREAD_NOT_FOUND, get_thread
from cheatcode_contracts import new_id
from cheatcode_contracts.threads import AddMessage

PROJECTION = "messages"


async def add_user_message(
    deps: HandlerDeps, user_id: str, thread_id: str, *, content: Any, metadata: dict[str, Any]
) -> MessageRow:
    message_id = new_id()
    command = AddMessage(
        thread_id=thread_id,
        message_id=message_id,
        user_id=user_id,
        type="user",
        is_llm_message=True,
        content=content,
        metadata=metadata,
    )
    await deps.send_and_wait(command, PROJECTION, not_found=THREAD_NOT_FOUND)
    row = await deps.read_models.get_message(message_id)
    if row is None:  # the projection passed the reply's position, so this is a bug, not lag
        raise RuntimeError(f"message {message_id} missing from the read model after its position")
    return row


async def list_messages(
    deps: HandlerDeps, user_id: str, thread_id: str, *, limit: int, offset: int
) -> list[MessageRow]:
    await get_thread(deps, user_id, thread_id)  # raises NotFoundError for another user's thread
    return await deps.read_models.list_messages(thread_id, limit=limit, offset=offset)


__all__ = ["NotFoundError", "add_user_message", "list_messages"]
