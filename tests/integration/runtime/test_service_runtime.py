"""The service runtime against a real nats-server: ping, domain errors, conflict retries."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.errors import NoRespondersError

from cheatcode_contracts import CommandReply, ErrorCode
from cheatcode_contracts.health import Pong
from cheatcode_contracts.projects import CreateProject
from cheatcode_contracts.subjects import ping_subject
from cheatcode_contracts.threads import AddMessage, CreateThread
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore import ConcurrencyError
from cheatcode_runtime.nats import NatsSettings
from cheatcode_runtime.service import NotFound, ServiceHost, ServiceSettings, build_service, register_command, serve
from tests.support.requests import request_when_ready, send_command

pytestmark = pytest.mark.integration

SERVICE = "agent"  # the owner of the commands used below, per the contracts catalog


# Services of other modules (e.g. the API suite's session-long agent) answer on the same
# command subjects on the shared server, so this module gets a server of its own.
@pytest.fixture(scope="module")
def nats_server(own_nats_server: NatsServer) -> NatsServer:
    return own_nats_server


@pytest.fixture(scope="module")
def nats_client(own_nats_client: Client) -> Client:
    return own_nats_client


class Attempts:
    """Fails with a concurrency conflict ``conflicts`` times, then succeeds."""

    def __init__(self, conflicts: int) -> None:
        self.conflicts = conflicts
        self.calls = 0

    async def __call__(self, command: CreateThread) -> CommandReply:
        self.calls += 1
        if self.calls <= self.conflicts:
            raise ConcurrencyError("cc.evt.thread.x", self.calls)
        return CommandReply.success(position=self.calls, thread_id=command.thread_id)


async def missing_project(command: CreateProject) -> CommandReply:
    raise NotFound(f"project {command.project_id} not found")


async def broken(command: AddMessage) -> CommandReply:
    raise RuntimeError("a bug")


def host_for(nats_server: NatsServer) -> ServiceHost:
    settings = ServiceSettings(instance_id="runtime-test", nats=NatsSettings(url=nats_server.url))
    return build_service(SERVICE, settings)


@pytest.fixture
async def host(nats_server: NatsServer) -> AsyncIterator[ServiceHost]:
    host = host_for(nats_server)
    yield host
    await host.app.stop()


async def test_ping_is_answered_with_a_pong(host: ServiceHost, nats_client: Client) -> None:
    await host.app.start()
    data = await request_when_ready(nats_client, ping_subject(SERVICE), b"")
    pong = Pong.model_validate_json(data)
    assert (pong.service, pong.instance_id, pong.status) == (SERVICE, "runtime-test", "ok")
    assert pong.uptime_seconds >= 0


async def test_a_not_found_error_replies_not_found(host: ServiceHost, nats_client: Client) -> None:
    register_command(host.broker, CreateProject, missing_project, service=SERVICE)
    await host.app.start()
    reply = await send_command(nats_client, CreateProject(project_id="p-1", user_id="u", name="n"))
    assert not reply.ok
    assert reply.error is not None
    assert (reply.error.code, reply.error.detail) == (ErrorCode.NOT_FOUND, "project p-1 not found")


async def test_concurrency_conflicts_are_retried(host: ServiceHost, nats_client: Client) -> None:
    handler = Attempts(conflicts=2)
    register_command(host.broker, CreateThread, handler, service=SERVICE)
    await host.app.start()
    reply = await send_command(nats_client, CreateThread(thread_id="t-1", project_id="p", user_id="u"))
    assert reply == CommandReply.success(position=3, thread_id="t-1")
    assert handler.calls == 3


async def test_endless_conflicts_give_up_with_conflict(host: ServiceHost, nats_client: Client) -> None:
    handler = Attempts(conflicts=100)
    register_command(host.broker, CreateThread, handler, service=SERVICE, retries=2)
    await host.app.start()
    reply = await send_command(nats_client, CreateThread(thread_id="t-2", project_id="p", user_id="u"))
    assert reply.error is not None and reply.error.code is ErrorCode.CONFLICT
    assert handler.calls == 3


async def test_a_bug_replies_internal_and_the_subscriber_survives(host: ServiceHost, nats_client: Client) -> None:
    register_command(host.broker, AddMessage, broken, service=SERVICE)
    await host.app.start()
    command = AddMessage(thread_id="t", message_id="m", user_id="u", content="hi")
    for _ in range(2):
        reply = await send_command(nats_client, command)
        assert reply.error is not None and reply.error.code is ErrorCode.INTERNAL
        assert "a bug" not in reply.error.detail


async def test_a_malformed_command_replies_invalid(host: ServiceHost, nats_client: Client) -> None:
    register_command(host.broker, CreateProject, missing_project, service=SERVICE)
    await host.app.start()
    for body in (b'{"project_id": "p"}', b"not json"):
        data = await request_when_ready(nats_client, "cc.cmd.agent.project.create", body)
        reply = CommandReply.model_validate_json(data)
        assert reply.error is not None and reply.error.code is ErrorCode.INVALID


async def test_serve_stops_on_sigterm_and_drains(nats_server: NatsServer, nats_client: Client) -> None:
    host = host_for(nats_server)
    started = asyncio.Event()
    host.app.after_startup(started.set)
    serving = asyncio.create_task(serve(host.app))
    await asyncio.wait_for(started.wait(), 5)
    await request_when_ready(nats_client, ping_subject(SERVICE), b"")
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(serving, 10)
    with pytest.raises(NoRespondersError):  # its subscriptions are gone with the drained connection
        await nats_client.request(ping_subject(SERVICE), b"", timeout=1)


async def test_a_stop_during_start_up_ends_serving(tmp_path: Path) -> None:
    unreachable = NatsServer(store_dir=tmp_path)  # never started: nothing listens on its port
    settings = ServiceSettings(instance_id="never-connected", nats=NatsSettings(url=unreachable.url))
    host = build_service(SERVICE, settings)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(host.app, stop=stop))
    await asyncio.sleep(0.2)  # let it try to connect: no event exists for "still trying"
    assert not serving.done()
    stop.set()
    await asyncio.wait_for(serving, 5)
