"""Threads and their messages. Messages are events on their thread's subject."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from cheatcode_contracts.base import Command, Event

THREAD = "thread"

MessageType = Literal[
    "user",
    "assistant",
    "tool",
    "status",
    "assistant_response_end",
    "image_context",
    "summary",
    "cost",
]


class ThreadCreated(Event):
    type_name: ClassVar[str] = "thread.created"
    aggregate_kind: ClassVar[str] = THREAD
    aggregate_field: ClassVar[str] = "thread_id"

    thread_id: str
    project_id: str
    user_id: str
    is_public: bool = False
    metadata: dict[str, Any] = Field(default_factory=dict)


class MessageAdded(Event):
    type_name: ClassVar[str] = "thread.message_added"
    aggregate_kind: ClassVar[str] = THREAD
    aggregate_field: ClassVar[str] = "thread_id"

    thread_id: str
    message_id: str
    type: MessageType
    is_llm_message: bool
    content: Any
    metadata: dict[str, Any] = Field(default_factory=dict)
    agent_run_id: str | None = None


class CreateThread(Command):
    type_name: ClassVar[str] = "thread.create"

    thread_id: str
    project_id: str
    user_id: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class AddMessage(Command):
    """Append a message to a thread. ``user_id`` must own the thread."""

    type_name: ClassVar[str] = "thread.add_message"

    thread_id: str
    message_id: str
    user_id: str
    type: MessageType = "user"
    is_llm_message: bool = True
    content: Any
    metadata: dict[str, Any] = Field(default_factory=dict)
    agent_run_id: str | None = None


EVENTS: tuple[type[Event], ...] = (ThreadCreated, MessageAdded)
COMMANDS: tuple[type[Command], ...] = (CreateThread, AddMessage)
