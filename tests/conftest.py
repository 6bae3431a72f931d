"""Fixtures shared by every suite. Servers start on free ports, once per session."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra.nats_server import NatsServer
from cheatcode_infra.postgres_server import PostgresServer
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams


def running_nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=Path(tmp_path_factory.mktemp("nats")))
    server.start()
    yield server
    server.stop()


async def connected_nats_client(server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(NatsSettings(url=server.url), name="tests")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.drain()


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """Shared by the session. A module whose services answer on fixed subjects (any real
    service does) while another module's do too overrides it with ``own_nats_server``."""
    yield from running_nats_server(tmp_path_factory)


@pytest.fixture(scope="session")
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    async for client in connected_nats_client(nats_server):
        yield client


@pytest.fixture(scope="module")
def own_nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server for one module alone."""
    yield from running_nats_server(tmp_path_factory)


@pytest.fixture(scope="module")
async def own_nats_client(own_nats_server: NatsServer) -> AsyncIterator[Client]:
    async for client in connected_nats_client(own_nats_server):
        yield client


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One PostgreSQL for the session (TCP loopback, free port); tests get their own databases."""
    base = Path(tmp_path_factory.mktemp("postgres"))
    server = PostgresServer(data_dir=base / "data", log_file=base / "postgres.log")
    server.start()
    yield server
    server.stop()


_database_numbers = itertools.count(1)


async def _new_database(server: PostgresServer, prefix: str) -> str:
    return await server.create_database(f"{prefix}_{os.getpid()}_{next(_database_numbers)}")


@pytest.fixture(scope="module")
async def database_url(postgres_server: PostgresServer) -> str:
    """An empty database shared by the tests of one module."""
    return await _new_database(postgres_server, "module")


@pytest.fixture
async def fresh_database_url(postgres_server: PostgresServer) -> str:
    """An empty database for this test alone (projection rebuilds, migrations from zero)."""
    return await _new_database(postgres_server, "test")


@pytest.fixture(autouse=True)
async def dump_tasks_if_stuck(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A test still running after 120 s prints every pending asyncio task's stack: the loop of a
    hung async test is idle, waiting on something, and the task stacks say what."""
    import asyncio
    import sys

    async def watch() -> None:
        await asyncio.sleep(120)
        print(f"\n--- {request.node.nodeid} still running after 120 s; pending tasks:", file=sys.stderr)
        for task in asyncio.all_tasks():
            task.print_stack(file=sys.stderr)

    watchdog = asyncio.get_running_loop().create_task(watch())
    yield
    watchdog.cancel()
