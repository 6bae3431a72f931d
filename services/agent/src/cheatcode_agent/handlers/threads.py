"""Creating threads and adding messages to them."""

from __future__ import annotations

from cheatcode_agent.domain import threads
from cheatcode_agent.handlers.projects import NEW_AGGREGATE, load_project
from cheatcode_agent.ports import EventStore
from cheatcode_contracts import CommandReply
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import THREAD, AddMessage, CreateThread
from cheatcode_runtime.eventstore import ConcurrencyError
from cheatcode_runtime.service import Conflict, NotFound


async def create_thread(command: CreateThread, store: EventStore) -> CommandReply:
    """The caller must own the project (the original did not check); the thread id must be new."""
    await load_project(store, command.project_id, user_id=command.user_id)
    subject = aggregate_subject(THREAD, command.thread_id)
    try:
        result = await store.append(
            subject, [threads.create(command)], expected_position=NEW_AGGREGATE, idempotency_key=command.command_id
        )
    except ConcurrencyError:
        raise Conflict(f"thread {command.thread_id} already exists") from None
    return CommandReply.success(position=result.position, thread_id=command.thread_id, project_id=command.project_id)


async def add_message(command: AddMessage, store: EventStore) -> CommandReply:
    """Append a message to a thread the caller owns.

    A concurrency conflict propagates: the runtime reruns this handler, which reloads.
    """
    subject = aggregate_subject(THREAD, command.thread_id)
    history = await store.load(subject)
    thread = threads.replay((stored.position, stored.event) for stored in history.events)
    if thread is None or not thread.is_visible_to(command.user_id):
        raise NotFound(f"thread {command.thread_id} not found")
    earlier = threads.earlier_copy(thread, command)
    if earlier is not None:
        return _added(command, earlier)
    event = threads.add_message(thread, command)
    result = await store.append(
        subject, [event], expected_position=history.position, idempotency_key=command.command_id
    )
    return _added(command, result.position)


def _added(command: AddMessage, position: int) -> CommandReply:
    return CommandReply.success(position=position, thread_id=command.thread_id, message_id=command.message_id)
