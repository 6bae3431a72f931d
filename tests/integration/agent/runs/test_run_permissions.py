"""A run under the stack's own NATS users and permissions (``cheatcode_infra.nats_auth``):
the agent may do everything a run needs (KV index, pull consumer, run-subject listener,
frames, usage events, sandbox requests) and nothing in this path is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from nats.aio.client import Client

from cheatcode_contracts.runs import RunCompleted, StartRun, UsageRecorded, run_subject, usage_subject
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra import nats_auth
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import ensure_streams
from tests.integration.agent.runs.conftest import AgentStack
from tests.integration.agent.runs.frames import events_on, follow
from tests.integration.agent.runs.sandbox_double import SandboxProtocolDouble
from tests.integration.agent.runs.test_run_lifecycle import new_thread
from tests.support.requests import send_command
from tests.support.secured_nats import connect_as, secured_nats_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsServer, dict[str, str]]]:
    yield from secured_nats_server(tmp_path_factory.mktemp("runs-secured-nats"))


@pytest.fixture
async def clients(secured: tuple[NatsServer, dict[str, str]]) -> AsyncIterator[tuple[Client, Client]]:
    """(api, sandbox) connections; streams made by the provisioner as the stack does."""
    server, passwords = secured
    provisioner = await connect_as(server, passwords, nats_auth.PROVISIONER)
    await ensure_streams(provisioner.jetstream(), ALL_STREAMS)
    await provisioner.close()
    api, sandbox = await connect_as(server, passwords, "api"), await connect_as(server, passwords, "sandbox")
    yield api, sandbox
    await api.close()
    await sandbox.close()


async def test_a_run_completes_with_least_privilege_users(
    secured: tuple[NatsServer, dict[str, str]], clients: tuple[Client, Client], mock_llm_url: str, tmp_path: Path
) -> None:
    server, passwords = secured
    api, sandbox_client = clients
    double = SandboxProtocolDouble(sandbox_client, tmp_path)
    await double.start()
    stack = AgentStack(
        server.url, mock_llm_url, f"runs-{uuid4().hex[:8]}", api, nats_user="agent", nats_password=passwords["agent"]
    )
    try:
        await stack.start_agent("agent-secured")
        _, thread_id = await new_thread(api, "u1", "build it")
        reply = await send_command(api, StartRun(thread_id=thread_id, user_id="u1"))
        assert reply.ok, reply.error
        run_id = reply.result["run_id"]
        terminal = await (await follow(api, run_id)).terminal(within=30)
        assert terminal["status"] == "completed", terminal
        assert isinstance((await events_on(api, run_subject(run_id)))[-1], RunCompleted)
        usage = await events_on(api, usage_subject(run_id))
        assert usage and all(isinstance(u, UsageRecorded) for u in usage)
    finally:
        await stack.stop_all()
        await double.stop()
