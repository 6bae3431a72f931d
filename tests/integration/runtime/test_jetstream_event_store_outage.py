"""The JetStream event store through a NATS outage: retried within its deadline, then unavailable."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_contracts import build_registry, new_id
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import MessageAdded, ThreadCreated
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore import EventStoreUnavailableError, StoredEvent
from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams
from tests.support.restartable_nats import kill_and_restart


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def client(server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(NatsSettings(url=server.url), name="store-outage")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    with contextlib.suppress(Exception):  # the test may have stopped the server
        await client.close()


def message(n: int) -> MessageAdded:
    return MessageAdded(thread_id="t", message_id=f"m{n}", type="user", is_llm_message=True, content=n)


async def test_appends_and_a_follower_survive_a_kill_9_restart_without_a_duplicate(
    server: NatsServer, client: Client
) -> None:
    store = JetStreamEventStore(client.jetstream(), build_registry(), reconnect_deadline=20.0, timeout=1.0)
    subject = aggregate_subject("thread", new_id())
    position = (
        await store.append(
            subject,
            [ThreadCreated(thread_id="t", project_id="p", user_id="u")],
            expected_position=0,
            idempotency_key="c",
        )
    ).position
    followed: list[StoredEvent] = []
    all_followed = asyncio.Event()

    async def follow() -> None:
        async for stored in store.follow(subject, after=position):
            followed.append(stored)
            if len(followed) == 40:
                all_followed.set()

    follower = asyncio.create_task(follow())

    async def writer() -> None:
        nonlocal position
        for n in range(40):
            result = await store.append(subject, [message(n)], expected_position=position, idempotency_key=f"k{n}")
            position = result.position
            await asyncio.sleep(0.01)

    writing = asyncio.create_task(writer())
    await asyncio.sleep(0.1)
    await kill_and_restart(server, down_for=0.5)
    await asyncio.wait_for(writing, 30.0)
    history = await store.load(subject)
    contents = [stored.event.content for stored in history.events[1:]]  # type: ignore[attr-defined]
    assert contents == list(range(40))  # every append stored once, in order
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_followed.wait(), 10.0)
    follower.cancel()
    assert [stored.event.content for stored in followed] == list(range(40))  # type: ignore[attr-defined]


async def test_a_store_away_past_the_deadline_is_unavailable(server: NatsServer, client: Client) -> None:
    store = JetStreamEventStore(client.jetstream(), build_registry(), reconnect_deadline=1.5, timeout=0.5)
    subject = aggregate_subject("thread", new_id())
    server.stop()
    began = time.monotonic()
    with pytest.raises(EventStoreUnavailableError, match="did not answer"):
        await store.append(subject, [message(1)], expected_position=None, idempotency_key=new_id())
    assert 1.0 <= time.monotonic() - began < 5.0
    with pytest.raises(EventStoreUnavailableError):
        await store.load(subject)


async def test_a_closed_connection_is_unavailable_at_once(server: NatsServer, client: Client) -> None:
    store = JetStreamEventStore(client.jetstream(), build_registry(), reconnect_deadline=30.0)
    await client.close()
    began = time.monotonic()
    with pytest.raises(EventStoreUnavailableError, match="closed"):
        await store.append(
            aggregate_subject("thread", new_id()), [message(1)], expected_position=None, idempotency_key="x"
        )
    assert time.monotonic() - began < 1.0
