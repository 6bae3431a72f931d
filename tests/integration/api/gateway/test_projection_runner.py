"""Projections: rebuild from the log is identical, redelivery changes nothing, one leader at a time."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import drop_schema
from cheatcode_api.adapters.postgres.runner import EventGapError
from cheatcode_api.entrypoint.bootstrap import Infrastructure
from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import all_events_filter
from cheatcode_infra.nats_server import NatsServer
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration

SNAPSHOT = {
    "projects": "SELECT * FROM projects ORDER BY project_id",
    "threads": "SELECT * FROM threads ORDER BY thread_id",
    "messages": "SELECT * FROM messages ORDER BY message_id",
}


async def snapshot(container: Infrastructure) -> dict[str, list[dict[str, Any]]]:
    async with container.pool.acquire() as conn:
        return {table: [dict(row) for row in await conn.fetch(query)] for table, query in SNAPSHOT.items()}


async def populate(client: Any, user: str) -> None:
    headers = token(user)
    for index in range(3):
        project = (await client.post("/api/projects", json={"name": f"P{index}"}, headers=headers)).json()
        thread = (await client.post("/api/threads", json={"project_id": project["id"]}, headers=headers)).json()
        for text in ("one", {"role": "user", "content": "two"}):
            url = f"/api/threads/{thread['thread_id']}/messages"
            assert (await client.post(url, json={"content": text}, headers=headers)).status_code == 200


async def caught_up(container: Infrastructure) -> None:
    last = (await container.js.stream_info(EVENTS.name)).state.last_seq
    for name in container.runner.names:
        await container.waiter.wait_for(name, last)


async def test_dropping_the_read_models_and_restarting_rebuilds_identical_rows(
    agent: None, nats_server: NatsServer, fresh_database_url: str, jwks: JwksDouble
) -> None:
    settings = api_settings(nats_server, fresh_database_url, jwks)
    async with running_api(settings) as (client, container):
        await populate(client, "rebuilder")
        await caught_up(container)
        before = await snapshot(container)
    assert len(before["projects"]) >= 3 and len(before["messages"]) >= 6

    conn = await Database(settings.database_url, settings.database_schema).connect()
    try:
        await drop_schema(conn, settings.database_schema)
    finally:
        await conn.close()

    async with running_api(settings) as (client, container):
        await caught_up(container)
        assert await snapshot(container) == before
        projects = (await client.get("/api/projects", headers=token("rebuilder"))).json()
        assert sorted(p["name"] for p in projects) == ["P0", "P1", "P2"]


async def raw_events(nats_client: Client, count: int) -> list[Msg]:
    """The last ``count`` messages of the EVENTS stream, as the runner receives them."""
    js = nats_client.jetstream()
    last = (await js.stream_info(EVENTS.name)).state.last_seq
    got: list[Msg] = []
    done = asyncio.Event()

    async def collect(msg: Msg) -> None:
        got.append(msg)
        if msg.metadata.sequence.stream >= last:
            done.set()

    sub = await js.subscribe(
        all_events_filter(), stream=EVENTS.name, ordered_consumer=True, cb=collect,
        deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE, config=api.ConsumerConfig(opt_start_seq=last - count + 1),
    )  # fmt: skip
    await asyncio.wait_for(done.wait(), 5)
    await sub.unsubscribe()
    return got


async def test_redelivered_events_change_nothing(
    agent: None, nats_server: NatsServer, nats_client: Client, fresh_database_url: str, jwks: JwksDouble
) -> None:
    settings = api_settings(nats_server, fresh_database_url, jwks)
    async with running_api(settings) as (client, container):
        await populate(client, "redelivery")
        await caught_up(container)
        before = await snapshot(container)
        checkpoints_before = dict(await container.pool.fetch("SELECT name, position FROM projection_checkpoints"))
        batch = await raw_events(nats_client, 12)
        conn: asyncpg.Connection = await container.database.connect()
        try:
            await container.runner.apply_batch(conn, batch)  # whole batch again
            await container.runner.apply_batch(conn, [*batch[-3:], *batch[-3:]])  # duplicates within one batch
            assert await snapshot(container) == before
            # Even with the checkpoint guard removed, applying an event twice is harmless.
            await conn.execute("UPDATE projection_checkpoints SET position = 0")
            await container.runner.apply_batch(conn, batch)
            assert await snapshot(container) == before
        finally:
            await conn.close()
        checkpoints_after = dict(await container.pool.fetch("SELECT name, position FROM projection_checkpoints"))
        assert checkpoints_after == checkpoints_before


async def test_one_replica_leads_and_a_standby_takes_over(
    agent: None, nats_server: NatsServer, fresh_database_url: str, jwks: JwksDouble
) -> None:
    settings = api_settings(nats_server, fresh_database_url, jwks)
    async with running_api(settings) as (first, leader), running_api(settings) as (second, standby):
        waits = [asyncio.ensure_future(c.runner.leading_event.wait()) for c in (leader, standby)]
        await asyncio.wait(waits, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        assert [leader.runner.leading, standby.runner.leading].count(True) == 1
        if standby.runner.leading:
            first, second, leader, standby = second, first, standby, leader
        # The standby's POST waits on the leader's commits (LISTEN/NOTIFY across replicas).
        created = await second.post("/api/projects", json={"name": "via standby"}, headers=token("replicas"))
        assert created.status_code == 200
        await leader.stop_background()
        await asyncio.wait_for(standby.runner.leading_event.wait(), 5)
        again = await second.post("/api/projects", json={"name": "after takeover"}, headers=token("replicas"))
        assert again.status_code == 200
        names = sorted(p["name"] for p in (await second.get("/api/projects", headers=token("replicas"))).json())
        assert names == ["after takeover", "via standby"]


async def test_a_skipped_stored_event_stops_the_runner_but_a_deleted_one_does_not(
    nats_client: Client, fresh_database_url: str, jwks: JwksDouble, nats_server: NatsServer
) -> None:
    js = nats_client.jetstream()
    subject = f"cc.evt.gaptest.{uuid4().hex}"  # a type no projection handles
    positions = [(await js.publish(subject, b"{}", headers={"Cc-Type": "gaptest"})).seq for _ in range(3)]
    batch = await raw_events(nats_client, 3)
    assert [msg.metadata.sequence.stream for msg in batch] == positions
    async with running_api(api_settings(nats_server, fresh_database_url, jwks)) as (_, container):
        runner = container.runner
        assert await runner.check_contiguous(batch, positions[0]) == positions[2] + 1
        with pytest.raises(EventGapError) as raised:
            await runner.check_contiguous([batch[0], batch[2]], positions[0])
        assert raised.value.position == positions[1]
        await js.delete_msg(EVENTS.name, positions[1])
        assert await runner.check_contiguous([batch[0], batch[2]], positions[0]) == positions[2] + 1
