from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

import pytest

from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.projects import create_project
from cheatcode_agent.handlers.threads import add_message, create_thread
from cheatcode_contracts import CommandReply, ErrorCode
from cheatcode_contracts.projects import CreateProject
from cheatcode_contracts.threads import AddMessage, CreateThread, MessageAdded, ThreadCreated
from cheatcode_runtime.eventstore import AggregateHistory, InMemoryEventStore
from cheatcode_runtime.service import Conflict, NotFound, execute


@pytest.fixture
async def store() -> InMemoryEventStore:
    store = InMemoryEventStore()
    await create_project(CreateProject(project_id="p", user_id="owner", name="App"), Aggregates.over(store))
    await create_thread(CreateThread(thread_id="t", project_id="p", user_id="owner"), Aggregates.over(store))
    return store


def message(message_id: str, content: Any = "hi", user_id: str = "owner") -> AddMessage:
    return AddMessage(thread_id="t", message_id=message_id, user_id=user_id, content=content)


def thread_events(store: InMemoryEventStore) -> list[Any]:
    return [stored.event for stored in store.log if stored.subject == "cc.evt.thread.t"]


async def test_the_project_owner_creates_a_thread(store: InMemoryEventStore) -> None:
    reply = await create_thread(
        CreateThread(thread_id="t2", project_id="p", user_id="owner", metadata={"a": 1}), Aggregates.over(store)
    )
    assert reply == CommandReply.success(position=3, thread_id="t2", project_id="p")
    event = store.log[-1].event
    assert isinstance(event, ThreadCreated)
    assert (event.project_id, event.user_id, event.metadata) == ("p", "owner", {"a": 1})


@pytest.mark.parametrize("project_id, user_id", [("p", "intruder"), ("missing", "owner")])
async def test_a_thread_needs_a_project_the_caller_owns(
    store: InMemoryEventStore, project_id: str, user_id: str
) -> None:
    with pytest.raises(NotFound) as raised:
        await create_thread(
            CreateThread(thread_id="t2", project_id=project_id, user_id=user_id), Aggregates.over(store)
        )
    assert raised.value.detail == f"project {project_id} not found"  # the same words whether it exists or not
    assert len(store.log) == 2


async def test_a_used_thread_id_is_a_conflict_but_a_retry_is_not(store: InMemoryEventStore) -> None:
    command = CreateThread(thread_id="t2", project_id="p", user_id="owner")
    assert await create_thread(command, Aggregates.over(store)) == await create_thread(command, Aggregates.over(store))
    with pytest.raises(Conflict):
        await create_thread(CreateThread(thread_id="t2", project_id="p", user_id="owner"), Aggregates.over(store))
    assert len(store.log) == 3


@pytest.mark.parametrize("content", ["text", {"role": "user", "content": "hi"}, [1, {"x": None}], None, 3.5])
async def test_the_owner_adds_messages_with_any_json_content(store: InMemoryEventStore, content: Any) -> None:
    reply = await add_message(message("m1", content), Aggregates.over(store))
    assert reply == CommandReply.success(position=3, thread_id="t", message_id="m1")
    added = thread_events(store)[-1]
    assert isinstance(added, MessageAdded)
    assert (added.message_id, added.type, added.content) == ("m1", "user", content)


@pytest.mark.parametrize("thread_id, user_id", [("t", "intruder"), ("missing", "owner")])
async def test_messages_need_a_thread_the_caller_owns(store: InMemoryEventStore, thread_id: str, user_id: str) -> None:
    command = AddMessage(thread_id=thread_id, message_id="m", user_id=user_id, content="x")
    with pytest.raises(NotFound):
        await add_message(command, Aggregates.over(store))
    assert len(store.log) == 2


async def test_a_retried_message_gets_its_first_reply(store: InMemoryEventStore) -> None:
    command = message("m1")
    first = await add_message(command, Aggregates.over(store))
    await add_message(message("m2"), Aggregates.over(store))
    assert await add_message(command, Aggregates.over(store)) == first
    assert [e.message_id for e in thread_events(store)[1:]] == ["m1", "m2"]


async def test_a_different_message_with_a_used_id_is_a_conflict(store: InMemoryEventStore) -> None:
    await add_message(message("m1", "first"), Aggregates.over(store))
    with pytest.raises(Conflict):
        await add_message(message("m1", "second"), Aggregates.over(store))


class InterleavingStore(InMemoryEventStore):
    """Lets other handlers run between a load and the append that follows it, as real I/O does."""

    async def load(self, subject: str) -> AggregateHistory:
        history = await super().load(subject)
        await asyncio.sleep(0)
        return history


async def test_concurrent_messages_are_all_added_through_retries(caplog: pytest.LogCaptureFixture) -> None:
    store = InterleavingStore()
    await create_project(CreateProject(project_id="p", user_id="owner", name="App"), Aggregates.over(store))
    await create_thread(CreateThread(thread_id="t", project_id="p", user_id="owner"), Aggregates.over(store))
    commands = [message(f"m{i}", i) for i in range(8)]
    with caplog.at_level(logging.INFO, logger="cheatcode.commands"):
        replies = await asyncio.gather(
            *(execute(partial(add_message, c, Aggregates.over(store)), retries=10) for c in commands)
        )
    assert all(reply.ok for reply in replies), replies
    assert any("concurrent write" in record.message for record in caplog.records)
    assert sorted(reply.position for reply in replies) == list(range(3, 11))
    assert sorted(e.content for e in thread_events(store)[1:]) == list(range(8))


async def test_domain_errors_become_failure_replies(store: InMemoryEventStore) -> None:
    reply = await execute(lambda: add_message(message("m", user_id="intruder"), Aggregates.over(store)))
    assert reply.error is not None
    assert (reply.error.code, reply.error.detail) == (ErrorCode.NOT_FOUND, "thread t not found")
