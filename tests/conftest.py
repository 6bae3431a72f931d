"""Fixtures shared by every suite. Servers start on free ports, once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=Path(tmp_path_factory.mktemp("nats")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(NatsSettings(url=nats_server.url), name="tests")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.drain()
