"""The agent's faststream app against a real nats-server, driven by NATS requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from nats.aio.client import Client

from cheatcode_agent.config import Settings
from cheatcode_agent.entrypoint.bootstrap import build
from cheatcode_contracts import CommandReply, ErrorCode, build_registry
from cheatcode_contracts.health import Pong
from cheatcode_contracts.projects import CreateProject, ProjectCreated
from cheatcode_contracts.subjects import aggregate_subject, ping_subject
from cheatcode_contracts.threads import AddMessage, CreateThread, MessageAdded, ThreadCreated
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore import JetStreamEventStore
from cheatcode_runtime.nats import NatsSettings
from tests.support.requests import request_when_ready, send_command

pytestmark = pytest.mark.integration


# Services of other modules (e.g. the API suite's session-long agent) answer on the same
# command subjects on the shared server, so this module gets a server of its own.
@pytest.fixture(scope="module")
def nats_server(own_nats_server: NatsServer) -> NatsServer:
    return own_nats_server


@pytest.fixture(scope="module")
def nats_client(own_nats_client: Client) -> Client:
    return own_nats_client


@pytest.fixture
async def agent(nats_server: NatsServer, nats_client: Client) -> AsyncIterator[None]:
    host = build(Settings(instance_id="agent-test", nats=NatsSettings(url=nats_server.url)))
    await host.app.start()
    await request_when_ready(nats_client, ping_subject("agent"), b"")
    yield
    await host.app.stop()


@pytest.fixture
def events(nats_client: Client) -> JetStreamEventStore:
    return JetStreamEventStore(nats_client.jetstream(), build_registry())


def ids() -> tuple[str, str, str]:
    return str(uuid4()), str(uuid4()), str(uuid4())


async def test_the_agent_answers_ping(agent: None, nats_client: Client) -> None:
    pong = Pong.model_validate_json(await request_when_ready(nats_client, ping_subject("agent"), b""))
    assert (pong.service, pong.instance_id) == ("agent", "agent-test")


async def test_project_thread_and_message_land_in_jetstream(
    agent: None, nats_client: Client, events: JetStreamEventStore
) -> None:
    project_id, thread_id, message_id = ids()
    created = await send_command(nats_client, CreateProject(project_id=project_id, user_id="u1", name="App"))
    assert created.ok and created.result == {"project_id": project_id}
    [stored] = (await events.load(aggregate_subject("project", project_id))).events
    assert stored.position == created.position
    assert isinstance(stored.event, ProjectCreated) and stored.event.user_id == "u1"

    thread = await send_command(nats_client, CreateThread(thread_id=thread_id, project_id=project_id, user_id="u1"))
    assert thread.ok and thread.result == {"thread_id": thread_id, "project_id": project_id}
    content = {"role": "user", "content": "build me a todo app"}
    add = AddMessage(thread_id=thread_id, message_id=message_id, user_id="u1", content=content)
    added = await send_command(nats_client, add)
    assert added.ok and added.position > thread.position
    history = await events.load(aggregate_subject("thread", thread_id))
    assert [type(s.event) for s in history.events] == [ThreadCreated, MessageAdded]
    message = history.events[1].event
    assert isinstance(message, MessageAdded) and message.content == content
    assert history.events[1].position == added.position

    assert await send_command(nats_client, add) == added  # a retry changes nothing
    assert len((await events.load(aggregate_subject("thread", thread_id))).events) == 2


async def test_a_retried_create_gets_the_same_reply_and_another_is_a_conflict(
    agent: None, nats_client: Client, events: JetStreamEventStore
) -> None:
    project_id, _, _ = ids()
    command = CreateProject(project_id=project_id, user_id="u1", name="App")
    first = await send_command(nats_client, command)
    assert await send_command(nats_client, command) == first
    other = await send_command(nats_client, CreateProject(project_id=project_id, user_id="u2", name="Mine"))
    assert other.error is not None and other.error.code is ErrorCode.CONFLICT
    assert len((await events.load(aggregate_subject("project", project_id))).events) == 1


async def test_another_users_project_and_thread_are_not_found(agent: None, nats_client: Client) -> None:
    project_id, thread_id, message_id = ids()
    await send_command(nats_client, CreateProject(project_id=project_id, user_id="owner", name="App"))
    await send_command(nats_client, CreateThread(thread_id=thread_id, project_id=project_id, user_id="owner"))
    replies = [
        await send_command(nats_client, CreateThread(thread_id=str(uuid4()), project_id=project_id, user_id="x")),
        await send_command(
            nats_client, AddMessage(thread_id=thread_id, message_id=message_id, user_id="x", content="hi")
        ),
    ]
    for reply in replies:
        assert reply.error is not None and reply.error.code is ErrorCode.NOT_FOUND


async def test_a_malformed_command_is_invalid(agent: None, nats_client: Client) -> None:
    data = await request_when_ready(nats_client, "cc.cmd.agent.thread.add_message", b'{"thread_id": "t"}')
    reply = CommandReply.model_validate_json(data)
    assert reply.error is not None and reply.error.code is ErrorCode.INVALID
