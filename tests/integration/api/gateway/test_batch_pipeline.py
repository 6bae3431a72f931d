"""Planned batches: planned while the previous one commits, applied once, re-planned when the guess is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import ClassVar
from uuid import uuid4

import asyncpg
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import apply_migrations, create_indexes, drop_secondary_indexes
from cheatcode_api.adapters.postgres.pipeline import BatchPipeline
from cheatcode_api.adapters.postgres.projection import Projection, Statement
from cheatcode_api.adapters.postgres.runner import ProjectionRunner, position_of
from cheatcode_contracts import build_registry
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import aggregate_subject, all_events_filter
from cheatcode_runtime.eventstore import StoredEvent

pytestmark = pytest.mark.integration

SCHEMA = "pipeline_test"
COUNT = 7


@pytest.fixture
def nats_client(own_nats_client: Client) -> Client:
    """This module's own nats-server: no other test's events reach its EVENTS stream."""
    return own_nats_client


class CountingProjection(Projection):
    """Deliberately not idempotent: every application of an event shows as one more."""

    name: ClassVar[str] = "counting"
    handles: ClassVar[frozenset[str]] = frozenset({ProjectCreated.type_name})

    def statements(self, stored: StoredEvent) -> list[Statement]:
        return [("UPDATE counted SET n = n + 1, last = $1", (stored.position,))]


async def stored_messages(nats_client: Client) -> list[Msg]:
    """Publish COUNT events and read them back as the runner receives them."""
    js = nats_client.jetstream()
    first = 0
    for index in range(COUNT):
        event = ProjectCreated(project_id=str(uuid4()), user_id="pipeline-owner", name=f"p{index}")
        subject = aggregate_subject("project", event.project_id)
        ack = await js.publish(subject, encode(event), headers=contract_headers(event))
        first = first or ack.seq
    got: list[Msg] = []
    done = asyncio.Event()

    async def collect(msg: Msg) -> None:
        got.append(msg)
        if len(got) == COUNT:
            done.set()

    sub = await js.subscribe(
        all_events_filter(), stream=EVENTS.name, ordered_consumer=True, cb=collect,
        deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE, config=api.ConsumerConfig(opt_start_seq=first),
    )  # fmt: skip
    await asyncio.wait_for(done.wait(), 5)
    await sub.unsubscribe()
    return got


@pytest.fixture
async def conn(fresh_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await Database(fresh_database_url, SCHEMA).connect()
    await apply_migrations(connection, SCHEMA)
    await connection.execute("CREATE TABLE counted (n integer NOT NULL, last bigint NOT NULL)")
    await connection.execute("INSERT INTO counted VALUES (0, 0)")
    await connection.execute("INSERT INTO projection_checkpoints (name) VALUES ('counting')")
    yield connection
    await connection.close()


def counting_runner(nats_client: Client, fresh_database_url: str) -> ProjectionRunner:
    database = Database(fresh_database_url, SCHEMA)
    return ProjectionRunner(database, nats_client.jetstream(), build_registry(), [CountingProjection()], notify=False)


async def counted(conn: asyncpg.Connection) -> tuple[int, int, int]:
    row = await conn.fetchrow("SELECT n, last FROM counted")
    position = await conn.fetchval("SELECT position FROM projection_checkpoints WHERE name = 'counting'")
    return int(row["n"]), int(row["last"]), int(position)


async def test_batches_submitted_back_to_back_are_each_applied_once_in_order(
    nats_client: Client, fresh_database_url: str, conn: asyncpg.Connection
) -> None:
    messages = await stored_messages(nats_client)
    runner = counting_runner(nats_client, fresh_database_url)
    pipeline = BatchPipeline(runner, conn, {"counting": 0})
    await pipeline.submit(messages[:3])
    await pipeline.submit(messages[3:5])  # planned while the first batch's transaction is in flight
    await pipeline.submit(messages[4:])  # overlaps the previous batch by one event: applied once
    await pipeline.drain()
    last = position_of(messages[-1])
    assert await counted(conn) == (COUNT, last, last)
    assert runner.position == last


async def test_a_plan_made_against_checkpoints_that_moved_is_not_replayed(
    nats_client: Client, fresh_database_url: str, conn: asyncpg.Connection
) -> None:
    messages = await stored_messages(nats_client)
    runner = counting_runner(nats_client, fresh_database_url)
    stale = await runner.plan(messages, {"counting": 0})  # planned before anything was applied
    await runner.apply_batch(conn, messages[:4])
    await runner.apply_plan(conn, stale)  # the transaction sees checkpoint 4, not 0: only the rest counts
    last = position_of(messages[-1])
    assert await counted(conn) == (COUNT, last, last)


async def test_position_of_reads_the_stream_sequence_as_nats_py_does(nats_client: Client) -> None:
    messages = await stored_messages(nats_client)
    assert [position_of(msg) for msg in messages] == [msg.metadata.sequence.stream for msg in messages]


async def test_secondary_indexes_dropped_for_a_bulk_load_come_back_identical(conn: asyncpg.Connection) -> None:
    query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname"
    before = [tuple(row) for row in await conn.fetch(query, SCHEMA)]
    definitions = await drop_secondary_indexes(conn, SCHEMA)
    remaining = {row["indexname"] for row in await conn.fetch(query, SCHEMA)}
    assert "event_log_user" in {name for name, _ in before} - remaining  # a read-only index went
    assert {"event_log_pkey", "aggregate_owners_pkey", "projection_checkpoints_pkey"} <= remaining  # keys stay
    await create_indexes([conn], definitions)
    assert [tuple(row) for row in await conn.fetch(query, SCHEMA)] == before
