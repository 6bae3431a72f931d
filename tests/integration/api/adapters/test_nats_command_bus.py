"""The NATS command bus (over the runtime CommandClient) against the CommandBus conformance suite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from cheatcode_api.adapters.nats import NatsCommandBus
from cheatcode_api.ports.commands import CommandBus
from cheatcode_contracts import subject_for
from cheatcode_contracts.projects import CreateProject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect
from tests.support.command_bus_conformance import BusWith, CommandBusConformance, Responder

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def lonely_client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    """A nats-server of this module alone: no real service answers here."""
    server = NatsServer(store_dir=Path(tmp_path_factory.mktemp("bus-nats")))
    await asyncio.to_thread(server.start)
    client = await connect(NatsSettings(url=server.url), name="bus-conformance")
    yield client
    await client.drain()
    await asyncio.to_thread(server.stop)


@pytest.fixture
async def bus_with(lonely_client: Client) -> AsyncIterator[BusWith]:
    subscriptions: list[Subscription] = []

    async def build(responder: Responder | None) -> CommandBus:
        if responder is not None:

            async def answer(msg: Msg) -> None:
                reply = await responder(CreateProject.model_validate_json(msg.data))
                await msg.respond(reply.model_dump_json().encode())

            subscriptions.append(await lonely_client.subscribe(subject_for(CreateProject), cb=answer))
            await lonely_client.flush()
        return NatsCommandBus(lonely_client, timeout=2)

    yield build
    for subscription in subscriptions:
        await subscription.unsubscribe()


class TestNatsCommandBus(CommandBusConformance):
    pass
