"""The thread aggregate: its owner and the messages posted to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cheatcode_contracts import Event
from cheatcode_contracts.threads import AddMessage, CreateThread, MessageAdded, ThreadCreated
from cheatcode_runtime.errors import Conflict


@dataclass
class Thread:
    thread_id: str
    project_id: str
    user_id: str
    is_public: bool
    metadata: dict[str, Any]
    # message id -> (stream position, event); positions let a retried command get its first reply
    messages: dict[str, tuple[int, MessageAdded]] = field(default_factory=dict)

    def is_visible_to(self, user_id: str) -> bool:
        return self.user_id == user_id


def apply(thread: Thread | None, event: Event, position: int) -> Thread | None:
    """The thread after ``event`` (stored at ``position``). Grows in place: replay stays linear."""
    if isinstance(event, ThreadCreated):
        return Thread(event.thread_id, event.project_id, event.user_id, event.is_public, dict(event.metadata))
    if thread is not None and isinstance(event, MessageAdded):
        thread.messages[event.message_id] = (position, event)
    return thread


def replay(events: Iterable[tuple[int, Event]]) -> Thread | None:
    thread: Thread | None = None
    for position, event in events:
        thread = apply(thread, event, position)
    return thread


def create(command: CreateThread) -> ThreadCreated:
    """A new thread; its project's ownership is checked by the handler, which can read it."""
    return ThreadCreated(
        thread_id=command.thread_id,
        project_id=command.project_id,
        user_id=command.user_id,
        metadata=command.metadata,
    )


def earlier_copy(thread: Thread, command: AddMessage) -> int | None:
    """Position of this very message if the command was already applied (a retry), else None."""
    stored = thread.messages.get(command.message_id)
    if stored is None:
        return None
    position, event = stored
    return position if _same_message(event, command) else None


def add_message(thread: Thread, command: AddMessage) -> MessageAdded:
    if command.message_id in thread.messages:
        raise Conflict(f"message {command.message_id} already exists")
    return MessageAdded(
        thread_id=thread.thread_id,
        message_id=command.message_id,
        type=command.type,
        is_llm_message=command.is_llm_message,
        content=command.content,
        metadata=command.metadata,
        agent_run_id=command.agent_run_id,
    )


def _same_message(event: MessageAdded, command: AddMessage) -> bool:
    return (event.type, event.is_llm_message, event.content, event.metadata, event.agent_run_id) == (
        command.type,
        command.is_llm_message,
        command.content,
        command.metadata,
        command.agent_run_id,
    )
