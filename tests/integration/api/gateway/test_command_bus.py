"""The NATS command bus against a real nats-server: replies, error codes, retries, unavailability."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from cheatcode_api.adapters.nats import NatsCommandBus
from cheatcode_api.ports.commands import CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import CommandReply, ErrorCode, subject_for
from cheatcode_contracts.envelope import TYPE_HEADER
from cheatcode_contracts.projects import CreateProject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration


@pytest.fixture
async def lonely_nats(tmp_path: Path) -> AsyncIterator[NatsServer]:
    """A nats-server of its own: no agent answers here."""
    server = NatsServer(store_dir=tmp_path / "nats")
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


@pytest.fixture
async def client(lonely_nats: NatsServer) -> AsyncIterator[Client]:
    connection = await connect(NatsSettings(url=lonely_nats.url), name="bus-test")
    yield connection
    await connection.drain()


def command() -> CreateProject:
    return CreateProject(project_id="p", user_id="u", name="App")


async def answer_with(client: Client, reply: CommandReply, seen: list[Msg]) -> None:
    async def respond(msg: Msg) -> None:
        seen.append(msg)
        await msg.respond(reply.model_dump_json().encode())

    await client.subscribe(subject_for(CreateProject), cb=respond)
    await client.flush()


async def test_a_successful_reply_is_returned_and_the_command_carries_its_type(client: Client) -> None:
    seen: list[Msg] = []
    await answer_with(client, CommandReply.success(7, project_id="p"), seen)
    reply = await NatsCommandBus(client, timeout=2).send(command())
    assert (reply.ok, reply.position, reply.result) == (True, 7, {"project_id": "p"})
    assert seen[0].headers is not None and seen[0].headers[TYPE_HEADER] == "project.create"
    sent = CreateProject.model_validate_json(seen[0].data)
    assert (sent.project_id, sent.user_id, sent.name) == ("p", "u", "App")


@pytest.mark.parametrize("code", list(ErrorCode))
async def test_error_replies_raise_with_their_code(client: Client, code: ErrorCode) -> None:
    await answer_with(client, CommandReply.failure(code, "nope"), [])
    with pytest.raises(CommandRejectedError) as raised:
        await NatsCommandBus(client, timeout=2).send(command())
    assert (raised.value.code, raised.value.detail) == (code, "nope")


async def test_no_responders_is_retried_briefly_then_unavailable(client: Client) -> None:
    with pytest.raises(CommandBusUnavailableError, match="agent service unavailable"):
        await NatsCommandBus(client, timeout=2).send(command())


async def test_an_owner_that_subscribes_late_is_reached_by_the_retry(client: Client) -> None:
    seen: list[Msg] = []

    async def start_late() -> None:
        await asyncio.sleep(0.1)  # the owner (re)starting while the API already sends
        await answer_with(client, CommandReply.success(3), seen)

    late = asyncio.create_task(start_late())
    reply = await NatsCommandBus(client, timeout=2).send(command())
    await late
    assert reply.position == 3 and len(seen) == 1


async def test_an_owner_that_never_answers_times_out_as_unavailable(client: Client) -> None:
    async def swallow(_: Msg) -> None:
        return None

    await client.subscribe(subject_for(CreateProject), cb=swallow)
    with pytest.raises(CommandBusUnavailableError):
        await NatsCommandBus(client, timeout=0.2).send(command())


async def test_the_api_answers_503_when_the_agent_is_down(
    lonely_nats: NatsServer, database_url: str, jwks: JwksDouble
) -> None:
    async with running_api(api_settings(lonely_nats, database_url, jwks)) as (api, _):
        response = await api.post("/api/projects", json={"name": "App"}, headers=token())
    assert response.status_code == 503
    assert response.json() == {"detail": "agent service unavailable"}
