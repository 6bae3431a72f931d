"""The shadow projector: whole batches from the log, stopping exactly at the position asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from cheatcode_api.adapters.postgres import checkpoints
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import apply_migrations
from cheatcode_api.adapters.postgres.projections import all_projections
from cheatcode_api.adapters.postgres.rebuild import PostgresReadModelRebuilder
from cheatcode_api.adapters.postgres.shadow import ShadowProjector
from cheatcode_api.ports.read_models import ReadModelUnavailableError
from cheatcode_contracts import build_registry
from cheatcode_contracts.streams import EVENTS
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect
from tests.support.project_events import append_projects

pytestmark = pytest.mark.integration

SCHEMA = "shadow_test"


@pytest.fixture
def nats_client(own_nats_client: Client) -> Client:
    """This module's own nats-server: its EVENTS stream holds only what these tests append."""
    return own_nats_client


@pytest.fixture
async def shadow(fresh_database_url: str) -> AsyncIterator[tuple[Database, asyncpg.Connection]]:
    database = Database(fresh_database_url, SCHEMA)
    conn = await database.connect()
    await apply_migrations(conn, SCHEMA)
    yield database, conn
    await conn.close()


def projector_on(shadow: tuple[Database, asyncpg.Connection], js: JetStreamContext, batch_size: int) -> ShadowProjector:
    return ShadowProjector(shadow[0], js, build_registry(), all_projections(), batch_size=batch_size, idle_timeout=5)


async def logged_positions(conn: asyncpg.Connection) -> list[int]:
    return [int(record[0]) for record in await conn.fetch("SELECT position FROM event_log ORDER BY position")]


async def test_catch_up_applies_every_event_to_the_target_and_none_after(
    nats_client: Client, shadow: tuple[Database, asyncpg.Connection]
) -> None:
    js, conn = nats_client.jetstream(), shadow[1]
    positions = await append_projects(js, 23, user="shadow-owner")
    already = positions[0] - 1  # what earlier tests of this module appended
    projector = projector_on(shadow, js, batch_size=4)

    target = positions[16]
    await projector.catch_up(conn, target)
    assert await logged_positions(conn) == list(range(1, target + 1))
    assert set((await checkpoints.read_all(conn)).values()) == {target}
    assert projector.applied == target

    await projector.catch_up(conn, positions[-1])
    assert await logged_positions(conn) == list(range(1, positions[-1] + 1))
    assert projector.applied == positions[-1]
    assert await conn.fetchval("SELECT count(*) FROM projects") == already + 23


async def test_a_deleted_event_is_passed_over_and_the_target_still_reached(
    nats_client: Client, shadow: tuple[Database, asyncpg.Connection]
) -> None:
    js, conn = nats_client.jetstream(), shadow[1]
    positions = await append_projects(js, 9, user="shadow-owner")
    await js.delete_msg(EVENTS.name, positions[2])
    projector = projector_on(shadow, js, batch_size=3)

    await projector.catch_up(conn, positions[-1])
    logged = await logged_positions(conn)
    assert positions[2] not in logged
    assert logged[-1] == positions[-1]
    assert set((await checkpoints.read_all(conn)).values()) == {positions[-1]}


async def test_a_log_that_cannot_be_read_makes_the_rebuild_unavailable_not_an_error(
    own_nats_server: NatsServer, fresh_database_url: str
) -> None:
    closed = await connect(NatsSettings(url=own_nats_server.url), name="closed")
    await closed.close()  # NATS is gone for this rebuild: it answers 503, as a read would
    live = Database(fresh_database_url, "rebuild_without_nats")
    conn = await live.connect()
    await apply_migrations(conn, live.schema)
    await checkpoints.ensure_rows(conn, [projection.name for projection in all_projections()])
    await conn.execute("UPDATE projection_checkpoints SET position = 5")  # the live side has read 5 events
    await conn.close()
    rebuilder = PostgresReadModelRebuilder(live, closed.jetstream(), build_registry(), all_projections)
    with pytest.raises(ReadModelUnavailableError, match="the event log could not be read"):
        await rebuilder.rebuild()
