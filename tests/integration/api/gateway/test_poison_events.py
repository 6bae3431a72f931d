"""A poison event is recorded and skipped by the projection it breaks; everything else carries on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar
from uuid import uuid4

import asyncpg
import pytest
from nats.aio.client import Client

from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import apply_migrations
from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_api.adapters.postgres.projections import ProjectsProjection
from cheatcode_api.adapters.postgres.runner import ProjectionRunner
from cheatcode_api.adapters.postgres.waiter import PostgresCheckpointWaiter
from cheatcode_contracts import build_registry
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore import StoredEvent
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams

pytestmark = pytest.mark.integration

SCHEMA = "poison_test"


@pytest.fixture
async def nats_client(tmp_path: Path) -> AsyncIterator[Client]:
    """A nats-server of this test's own: its poison must not reach other tests' read models."""
    server = NatsServer(store_dir=tmp_path / "nats")
    await asyncio.to_thread(server.start)
    client = await connect(NatsSettings(url=server.url), name="poison-test")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.drain()
    await asyncio.to_thread(server.stop)


class PickyProjection(Projection):
    """A read model whose table refuses some values: a stand-in for any data error."""

    name: ClassVar[str] = "picky"
    handles: ClassVar[frozenset[str]] = frozenset({ProjectCreated.type_name})

    async def apply(self, conn: asyncpg.Connection, stored: StoredEvent) -> None:
        assert isinstance(stored.event, ProjectCreated)
        await conn.execute("INSERT INTO picky (project_id, name) VALUES ($1, $2)", stored.event.project_id,
                           stored.event.name)  # fmt: skip


async def publish(nats_client: Client, name: str) -> tuple[str, int]:
    event = ProjectCreated(project_id=str(uuid4()), user_id="poison-owner", name=name)
    subject = aggregate_subject("project", event.project_id)
    ack = await nats_client.jetstream().publish(subject, encode(event), headers=contract_headers(event))
    return event.project_id, ack.seq


async def test_a_data_error_is_recorded_and_skipped(nats_client: Client, fresh_database_url: str) -> None:
    database = Database(fresh_database_url, SCHEMA)
    conn = await database.connect()
    await apply_migrations(conn, SCHEMA)
    await conn.execute("CREATE TABLE picky (project_id text PRIMARY KEY, name text NOT NULL CHECK (name <> 'poison'))")
    pool = await database.create_pool(max_size=2)
    waiter = PostgresCheckpointWaiter(database, pool, default_timeout=10)
    projections = [ProjectsProjection(), PickyProjection()]
    registry = build_registry()
    runner = ProjectionRunner(database, nats_client.jetstream(), registry, projections, on_advanced=waiter.observe)
    good, _ = await publish(nats_client, "fine")
    bad, bad_position = await publish(nats_client, "poison")
    headers = {"Cc-Type": ProjectCreated.type_name, "Cc-Version": "1"}
    garbled = (await nats_client.jetstream().publish(f"cc.evt.project.{uuid4()}", b"{not json", headers=headers)).seq
    after, last = await publish(nats_client, "also fine")
    running = asyncio.create_task(runner.run())
    try:
        for name in ("projects", "picky"):
            await waiter.wait_for(name, last)
        picky = {row["project_id"] for row in await conn.fetch("SELECT project_id FROM picky")}
        projects = {row["project_id"] for row in await conn.fetch("SELECT project_id FROM projects")}
        assert {good, after} <= picky and bad not in picky
        assert {good, bad, after} <= projects  # the other projection was not held back
        failures = await conn.fetch(
            "SELECT name, position, event_type, error FROM projection_failures ORDER BY position, name"
        )
        assert [(f["name"], f["position"], f["event_type"]) for f in failures] == [
            ("picky", bad_position, "project.created"),
            ("picky", garbled, "project.created"),
            ("projects", garbled, "project.created"),
        ]
        assert "CheckViolation" in failures[0]["error"] and "ValidationError" in failures[1]["error"]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await pool.close()
        await conn.close()
