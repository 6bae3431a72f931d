"""Long commands and heartbeats against a real nats-server: a caller waits while the owner works
and gives up within a few heartbeats once the owner falls silent, not at the work timeout."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from cheatcode_contracts import CommandReply, sandbox as sb
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings
from cheatcode_runtime.nats.command_client import CommandClient, CommandNotDeliveredError, CommandUnavailableError
from cheatcode_runtime.nats.heartbeats import HEARTBEAT_HEADER, PROGRESS_HEADER, WORKING
from cheatcode_runtime.service import ServiceHost, ServiceSettings, build_service, register_command
from tests.support.secured_nats import connect_as, secured_nats_server

pytestmark = pytest.mark.integration

BEAT = 0.3  # heartbeat interval of the test command: silence is noticed after 3 missed beats


class QuickBeatExecute(sb.ExecuteCommand):
    """A blocking execute whose owner beats every 0.3 s (the real one: every 2 s)."""

    def heartbeat_seconds(self) -> float | None:
        return BEAT


def command() -> QuickBeatExecute:
    return QuickBeatExecute(sandbox_id="s", command="sleep 60", timeout=60)


def new_subject() -> str:
    return f"test.heartbeats.{uuid.uuid4().hex}"


@pytest.fixture
async def host(nats_server: NatsServer) -> AsyncIterator[ServiceHost]:
    host = build_service("sandbox", ServiceSettings(instance_id="beats", nats=NatsSettings(url=nats_server.url)))
    yield host
    await host.app.stop()


def serve_slowly(host: ServiceHost, subject: str, seconds: float) -> None:
    async def handle(cmd: QuickBeatExecute) -> CommandReply:
        await asyncio.sleep(seconds)
        return CommandReply.success(0, **sb.reply_result(sb.ExecuteResult(output="done", exit_code=0, blocking=True)))

    register_command(host.broker, QuickBeatExecute, handle, service="sandbox", subject=subject, queue="")


async def wait_for_interest(client: Client, subject: str) -> None:
    await client.flush()
    await asyncio.sleep(0.1)  # the responder's SUB reaches the server a moment after its start


async def test_an_owner_working_longer_than_the_silence_limit_is_waited_for(
    host: ServiceHost, nats_client: Client
) -> None:
    subject = new_subject()
    serve_slowly(host, subject, 2.0)  # far beyond 3 beats and the client's first-contact time
    await host.app.start()
    await wait_for_interest(nats_client, subject)
    result = await CommandClient(nats_client, timeout=0.5).ask(command(), sb.ExecuteResult, subject=subject)
    assert (result.output, result.exit_code) == ("done", 0)


async def test_a_plain_request_gets_the_reply_and_no_heartbeat(host: ServiceHost, nats_client: Client) -> None:
    subject = new_subject()
    serve_slowly(host, subject, 0.8)
    await host.app.start()
    await wait_for_interest(nats_client, subject)
    msg = await nats_client.request(subject, command().model_dump_json().encode(), timeout=5)
    assert CommandReply.model_validate_json(msg.data).ok


async def silent_after(client: Client, subject: str, beats: int) -> list[Msg]:
    """A responder that sends ``beats`` heartbeats and then never answers (it "died")."""
    received: list[Msg] = []

    async def respond(msg: Msg) -> None:
        received.append(msg)
        for _ in range(beats):
            await client.publish(msg.reply, b"", headers={PROGRESS_HEADER: WORKING})
            await asyncio.sleep(BEAT)

    await client.subscribe(subject, cb=respond)
    await client.flush()
    return received


async def test_an_owner_that_falls_silent_is_unavailable_within_a_few_beats(
    nats_server: NatsServer, nats_client: Client, other_nats_client: Client
) -> None:
    subject = new_subject()
    received = await silent_after(other_nats_client, subject, beats=3)
    began = time.monotonic()
    with pytest.raises(CommandUnavailableError) as raised:
        await CommandClient(nats_client, timeout=0.5).request(command(), subject=subject)
    elapsed = time.monotonic() - began
    assert not isinstance(raised.value, CommandNotDeliveredError)
    assert "stopped answering" in raised.value.reason
    assert elapsed < 5.0  # 3 beats + 3 missed ones; the command's own deadline is 90 s
    assert received[0].headers is not None and received[0].headers[HEARTBEAT_HEADER] == f"{BEAT:g}"


async def test_nobody_subscribed_is_not_delivered(nats_client: Client) -> None:
    with pytest.raises(CommandNotDeliveredError):
        await CommandClient(nats_client, timeout=0.5).request(command(), subject=new_subject())


@pytest.fixture
async def other_nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    import nats

    client = await nats.connect(nats_server.url)
    yield client
    await client.close()


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsServer, dict[str, str]]]:
    yield from secured_nats_server(Path(tmp_path_factory.mktemp("secured-beats")))


async def test_the_sandbox_user_may_send_heartbeats_then_the_reply(
    secured: tuple[NatsServer, dict[str, str]],
) -> None:
    """With the stack's permissions: many responses to one request are allowed for the sandbox."""
    server, passwords = secured
    sandbox = await connect_as(server, passwords, "sandbox")
    api = await connect_as(server, passwords, "api")
    subject = sb.host_subject("replica-1", sb.ExecuteCommand.type_name)

    async def respond(msg: Msg) -> None:
        for _ in range(5):
            await sandbox.publish(msg.reply, b"", headers={PROGRESS_HEADER: WORKING})
            await asyncio.sleep(0.05)
        reply = CommandReply.success(0, **sb.reply_result(sb.ExecuteResult(output="ok", exit_code=0, blocking=True)))
        await sandbox.publish(msg.reply, reply.model_dump_json().encode())

    try:
        await sandbox.subscribe(subject, cb=respond)
        await sandbox.flush()
        result = await CommandClient(api, timeout=2.0).ask(command(), sb.ExecuteResult, subject=subject)
        assert result.output == "ok"
    finally:
        await sandbox.close()
        await api.close()
