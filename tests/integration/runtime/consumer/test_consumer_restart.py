"""The durable consumer outlives a kill -9 of nats-server (restarted on the same port and store)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.js.api import StreamConfig

from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.consumer import ConsumerSpec, Delivery, DurableConsumer
from cheatcode_runtime.nats import NatsSettings, connect
from tests.integration.runtime.consumer.test_durable_consumer import REGISTRY, Pinged, eventually
from tests.support.restartable_nats import kill_and_restart


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def client(server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(NatsSettings(url=server.url), name="consumer-restart")
    await client.jetstream().add_stream(StreamConfig(name="R", subjects=["r.>"]))
    yield client
    await client.close()


async def publish(client: Client, n: int) -> None:
    event = Pinged(ping_id=f"p{n}", n=n)
    await client.jetstream().publish(f"r.{n}", encode(event), stream="R", headers=contract_headers(event))


async def test_deliveries_go_on_and_a_kept_message_is_not_redelivered_across_a_restart(
    server: NatsServer, client: Client
) -> None:
    seen: list[tuple[int, int]] = []
    hold = asyncio.Event()

    async def handler(delivery: Delivery) -> None:
        assert isinstance(delivery.event, Pinged)
        seen.append((delivery.event.n, delivery.num_delivered))
        if delivery.event.n == 0:
            async with delivery.keep_alive():
                await hold.wait()  # held across the restart, kept alive by heartbeats

    spec = ConsumerSpec(stream="R", durable="restart", filter_subjects=("r.>",), ack_wait=3.0)
    consumer = DurableConsumer(client, spec, handler, REGISTRY, concurrency=4, fetch_timeout=0.5)
    await consumer.start()
    try:
        await publish(client, 0)
        await eventually(lambda: seen == [(0, 1)])
        await kill_and_restart(server, down_for=0.3)
        await eventually(lambda: client.is_connected, within=10.0)
        await publish(client, 1)
        await eventually(lambda: (1, 1) in seen, within=15.0)
        await asyncio.sleep(spec.ack_wait * 1.5)
        hold.set()  # its ack, confirmed, lands on the restarted server

        async def settled() -> bool:
            info = await client.jetstream().consumer_info("R", "restart")
            return (info.num_ack_pending, info.num_pending) == (0, 0)

        await eventually(settled, within=10.0)
        assert seen == [(0, 1), (1, 1)]
    finally:
        await consumer.close(cancel_running=True)
