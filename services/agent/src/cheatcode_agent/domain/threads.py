"""The thread aggregate: its owner and the messages posted to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from cheatcode_contracts import Event
from cheatcode_contracts.threads import AddMessage, CreateThread, MessageAdded, ThreadCreated
from cheatcode_runtime.errors import Conflict, NotFound

StoredMessage = tuple[int, MessageAdded]  # (stream position, event)


class MessageLog:
    """The messages of one thread, append-only and shared by its successive states.

    Each :class:`Thread` sees the first ``count`` entries, so folding a long thread stays
    linear (no copy per message) while every state stays unchanged: a state that is not the
    newest gets its own copy before it grows.
    """

    __slots__ = ("entries", "index")

    def __init__(self, entries: list[StoredMessage] | None = None) -> None:
        self.entries: list[StoredMessage] = entries or []
        self.index: dict[str, int] = {event.message_id: i for i, (_, event) in enumerate(self.entries)}

    def grown(self, count: int, stored: StoredMessage) -> MessageLog:
        log = self if count == len(self.entries) else MessageLog(self.entries[:count])
        log.index[stored[1].message_id] = len(log.entries)
        log.entries.append(stored)
        return log


@dataclass(frozen=True)
class Thread:
    thread_id: str
    project_id: str = ""
    user_id: str = ""
    is_public: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    exists: bool = False  # False: never created
    _log: MessageLog = field(default_factory=MessageLog, repr=False, compare=False)
    _count: int = 0

    def apply(self, event: Event) -> Thread:
        return self.apply_at(event, 0)

    def apply_at(self, event: Event, position: int) -> Thread:
        """The thread after ``event``, stored at ``position`` (a retried command's reply needs it)."""
        if isinstance(event, ThreadCreated):
            return replace(
                self,
                project_id=event.project_id,
                user_id=event.user_id,
                is_public=event.is_public,
                metadata=dict(event.metadata),
                exists=True,
            )
        if self.exists and isinstance(event, MessageAdded) and self.message(event.message_id) is None:
            return replace(self, _log=self._log.grown(self._count, (position, event)), _count=self._count + 1)
        return self

    @property
    def messages(self) -> tuple[StoredMessage, ...]:
        """Every message with its position, oldest first."""
        return tuple(self._log.entries[: self._count])

    def message(self, message_id: str) -> StoredMessage | None:
        index = self._log.index.get(message_id)
        return self._log.entries[index] if index is not None and index < self._count else None

    def is_visible_to(self, user_id: str) -> bool:
        return self.exists and self.user_id == user_id

    def newest_user_message(self) -> str | None:
        for _, event in reversed(self.messages):
            if event.type == "user":
                return event.message_id
        return None


def fold(thread_id: str, events: Iterable[tuple[int, Event]]) -> Thread:
    state = Thread(thread_id)
    for position, event in events:
        state = state.apply_at(event, position)
    return state


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
    stored = thread.message(command.message_id)
    if stored is None:
        return None
    position, event = stored
    return position if _same_message(event, command) else None


def add_message(thread: Thread, command: AddMessage) -> MessageAdded:
    if thread.message(command.message_id) is not None:
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


def post(thread: Thread, command: AddMessage) -> list[Event]:
    """The whole AddMessage decision: the caller must own the thread; a retry adds nothing."""
    if not thread.is_visible_to(command.user_id):
        raise NotFound(f"thread {command.thread_id} not found")
    if earlier_copy(thread, command) is not None:
        return []
    return [add_message(thread, command)]


def _same_message(event: MessageAdded, command: AddMessage) -> bool:
    return (event.type, event.is_llm_message, event.content, event.metadata, event.agent_run_id) == (
        command.type,
        command.is_llm_message,
        command.content,
        command.metadata,
        command.agent_run_id,
    )
