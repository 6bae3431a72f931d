"""The per-service NATS users, enforced by a real nats-server running the generated config."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from cheatcode_contracts.streams import ALL_STREAMS, EVENTS
from cheatcode_infra import nats_auth
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import ensure_streams
from tests.support.requests import request_when_ready
from tests.support.secured_nats import secured_nats_server

REFUSED_WITHIN = 1.0  # a refused request never gets an answer; the server reports the violation instead


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsServer, dict[str, str]]]:
    yield from secured_nats_server(Path(tmp_path_factory.mktemp("secured-nats")))


class Violations:
    """Collects the asynchronous ``-ERR 'Permissions Violation ...'`` the server sends."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    async def on_error(self, error: Exception) -> None:
        await self.queue.put(str(error))

    async def next(self) -> str:
        return await asyncio.wait_for(self.queue.get(), 5)


async def _connect(secured: tuple[NatsServer, dict[str, str]], user: str, violations: Violations) -> Client:
    server, passwords = secured
    return await nats.connect(
        server.url, user=user, password=passwords[user], error_cb=violations.on_error, allow_reconnect=False
    )


@pytest.fixture(scope="module")
async def provisioner(secured: tuple[NatsServer, dict[str, str]]) -> AsyncIterator[Client]:
    client = await _connect(secured, nats_auth.PROVISIONER, Violations())
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.close()


async def test_connecting_without_credentials_is_refused(secured: tuple[NatsServer, dict[str, str]]) -> None:
    server, _ = secured
    with pytest.raises(nats.errors.Error):
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


async def test_a_wrong_password_is_refused(secured: tuple[NatsServer, dict[str, str]]) -> None:
    server, _ = secured
    with pytest.raises(nats.errors.Error):
        await nats.connect(server.url, user="agent", password="guess", allow_reconnect=False, connect_timeout=2)


async def test_provisioner_can_create_streams(provisioner: Client) -> None:
    js = provisioner.jetstream()
    info = await js.add_stream(StreamConfig(name="PROVISIONED_BY_TEST", subjects=["test.provisioned.>"]))
    assert info.config.name == "PROVISIONED_BY_TEST"
    await js.delete_stream("PROVISIONED_BY_TEST")


async def test_agent_appends_an_event_through_jetstream(
    secured: tuple[NatsServer, dict[str, str]], provisioner: Client
) -> None:
    agent = await _connect(secured, "agent", Violations())
    try:
        ack = await agent.jetstream().publish("cc.evt.project.p1", b"{}", stream=EVENTS.name, timeout=5)
        assert ack.stream == EVENTS.name
        stored = await provisioner.jetstream().get_last_msg(EVENTS.name, "cc.evt.project.p1")
        assert stored.seq == ack.seq
    finally:
        await agent.close()


async def test_sandbox_cannot_publish_another_services_events(
    secured: tuple[NatsServer, dict[str, str]], provisioner: Client
) -> None:
    violations = Violations()
    sandbox = await _connect(secured, "sandbox", violations)
    try:
        with pytest.raises(nats.errors.TimeoutError):
            await sandbox.jetstream().publish("cc.evt.project.x", b"{}", timeout=REFUSED_WITHIN)
        assert 'permissions violation for publish to "cc.evt.project.x"' in (await violations.next()).lower()
    finally:
        await sandbox.close()
    with pytest.raises(NotFoundError):
        await provisioner.jetstream().get_last_msg(EVENTS.name, "cc.evt.project.x")


async def test_sandbox_can_publish_its_own_events(
    secured: tuple[NatsServer, dict[str, str]], provisioner: Client
) -> None:
    sandbox = await _connect(secured, "sandbox", Violations())
    try:
        ack = await sandbox.jetstream().publish("cc.evt.sandbox.s1", b"{}", timeout=5)
        assert ack.seq > 0
    finally:
        await sandbox.close()


async def test_a_service_cannot_create_or_delete_streams(
    secured: tuple[NatsServer, dict[str, str]], provisioner: Client
) -> None:
    violations = Violations()
    sandbox = await _connect(secured, "sandbox", violations)
    try:
        js = sandbox.jetstream(timeout=REFUSED_WITHIN)
        with pytest.raises(nats.errors.TimeoutError):
            await js.add_stream(StreamConfig(name="ROGUE", subjects=["rogue.>"]))
        assert "$js.api.stream.create.rogue" in (await violations.next()).lower()
        with pytest.raises(nats.errors.TimeoutError):
            await js.delete_stream(EVENTS.name)
        assert "$js.api.stream.delete.events" in (await violations.next()).lower()
        # Reading stream metadata is allowed: services check their streams in health probes.
        assert (await js.stream_info(EVENTS.name)).config.name == EVENTS.name
    finally:
        await sandbox.close()
    with pytest.raises(NotFoundError):
        await provisioner.jetstream().stream_info("ROGUE")


async def test_only_the_owner_receives_its_commands(secured: tuple[NatsServer, dict[str, str]]) -> None:
    violations = Violations()
    billing = await _connect(secured, "billing", violations)
    try:
        await billing.subscribe("cc.cmd.agent.>")
        await billing.flush()
        assert 'permissions violation for subscription to "cc.cmd.agent.>"' in (await violations.next()).lower()
    finally:
        await billing.close()


async def test_api_sends_a_command_and_the_owner_answers(secured: tuple[NatsServer, dict[str, str]]) -> None:
    agent = await _connect(secured, "agent", Violations())
    api = await _connect(secured, "api", Violations())
    try:

        async def answer(msg: Msg) -> None:
            await msg.respond(b"done:" + msg.data)

        await agent.subscribe("cc.cmd.agent.CreateProject", cb=answer)
        await agent.flush()
        # Interest reaches the server's other connections a moment after the flush.
        assert await request_when_ready(api, "cc.cmd.agent.CreateProject", b"p1") == b"done:p1"
    finally:
        await api.close()
        await agent.close()


async def test_a_consumer_reads_a_stream(secured: tuple[NatsServer, dict[str, str]], provisioner: Client) -> None:
    agent = await _connect(secured, "agent", Violations())
    api = await _connect(secured, "api", Violations())
    try:
        await agent.jetstream().publish("cc.evt.thread.t1", b"hello", timeout=5)
        consumer = await api.jetstream().pull_subscribe("cc.evt.thread.t1", durable="api-test", stream=EVENTS.name)
        [message] = await consumer.fetch(1, timeout=5)
        assert message.data == b"hello"
        await message.ack_sync()
    finally:
        await api.close()
        await agent.close()


async def test_a_service_creates_and_writes_only_its_own_kv_buckets(
    secured: tuple[NatsServer, dict[str, str]], provisioner: Client
) -> None:
    agent = await _connect(secured, "agent", Violations())
    try:
        bucket = await agent.jetstream().create_key_value(bucket="agent_project_runs", history=1)
        revision = await bucket.put("project-1", b"run-1")
        assert (await bucket.get("project-1")).value == b"run-1"
        assert revision > 0
    finally:
        await agent.close()
    violations = Violations()
    sandbox = await _connect(secured, "sandbox", violations)
    try:
        with pytest.raises(nats.errors.TimeoutError):
            await sandbox.jetstream(timeout=REFUSED_WITHIN).create_key_value(bucket="sandbox_rogue")
        assert "$js.api.stream.create.kv_sandbox_rogue" in (await violations.next()).lower()
    finally:
        await sandbox.close()


def test_passwords_are_kept_across_config_writes(tmp_path: Path) -> None:
    first = nats_auth.write_config(tmp_path / "nats.conf", tmp_path / "js", tmp_path / "secrets")
    second = nats_auth.write_config(tmp_path / "nats.conf", tmp_path / "js", tmp_path / "secrets")
    assert first == second
    assert len(set(first.values())) == len(first)
