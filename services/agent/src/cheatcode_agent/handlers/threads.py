"""Creating threads and adding messages to them."""

from __future__ import annotations

from cheatcode_agent.domain import threads
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_contracts import CommandReply
from cheatcode_contracts.threads import AddMessage, CreateThread
from cheatcode_runtime.errors import Conflict
from cheatcode_runtime.eventstore import ConcurrencyError


async def create_thread(command: CreateThread, aggregates: Aggregates) -> CommandReply:
    """The caller must own the project (the original did not check); the thread id must be new."""
    await aggregates.visible_project(command.project_id, user_id=command.user_id)
    try:
        loaded = await aggregates.threads.create(command.thread_id, [threads.create(command)], key=command.command_id)
    except ConcurrencyError:
        raise Conflict(f"thread {command.thread_id} already exists") from None
    return CommandReply.success(position=loaded.position, thread_id=command.thread_id, project_id=command.project_id)


async def add_message(command: AddMessage, aggregates: Aggregates) -> CommandReply:
    """Append a message to a thread the caller owns; a retry gets the first copy's position.

    A concurrency conflict propagates: the runtime reruns this handler, which reloads.
    """
    loaded = await aggregates.threads.load(command.thread_id)
    events = threads.post(loaded.state, command)
    loaded = await aggregates.threads.append(command.thread_id, loaded, events, key=command.command_id)
    return added(command, loaded.state)


def added(command: AddMessage, thread: threads.Thread) -> CommandReply:
    stored = thread.message(command.message_id)
    assert stored is not None  # posted now or before
    return CommandReply.success(position=stored[0], thread_id=command.thread_id, message_id=command.message_id)
