"""The default mock scenario against the real sandbox service (bubblewrap workspaces)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_contracts import ErrorCode, sandbox as sb
from cheatcode_contracts.runs import StartRun
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings
from cheatcode_sandbox.config import Settings
from cheatcode_sandbox.entrypoint.bootstrap import SandboxService, build
from tests.integration.agent.runs.conftest import AgentStack
from tests.integration.agent.runs.frames import follow
from tests.integration.agent.runs.test_run_lifecycle import new_thread
from tests.support.requests import send_command
from tests.support.sandbox_root import traversable_root

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]


@pytest.fixture(scope="module")
def sandbox_root() -> Iterator[Path]:
    yield from traversable_root("cc-agent-runs-sandbox-")


@pytest.fixture
async def sandbox_service(nats_server: NatsServer, sandbox_root: Path) -> AsyncIterator[SandboxService]:
    settings = Settings(
        instance_id=f"sandbox-{uuid.uuid4().hex[:6]}", nats=NatsSettings(url=nats_server.url), sandbox_root=sandbox_root
    )
    service = build(settings)
    await service.host.app.start()
    yield service
    await service.host.app.stop()


async def test_default_scenario_runs_in_a_real_sandbox(
    stack: AgentStack, nats_client: Client, sandbox_service: SandboxService
) -> None:
    await stack.start_agent("agent-real-sandbox")
    project_id, thread_id = await new_thread(nats_client, "u1", "build it for real")
    reply = await send_command(nats_client, StartRun(thread_id=thread_id, user_id="u1"), wait=10)
    assert reply.ok, reply.error
    follower = await follow(nats_client, reply.result["run_id"])
    terminal = await follower.terminal(within=60)
    results = [f for f in follower.frames if f["type"] == "tool_result"]
    assert terminal["status"] == "completed", (terminal, results)
    assert [r["tool"] for r in results] == ["create_file", "execute_command", "read_file", "complete"]
    assert all(r["success"] for r in results), results
    assert results[2]["result"]["content"] == "HELLO FROM THE CHEATCODE MOCK MODEL\n"

    sandbox_id = sb.sandbox_id_for(project_id)
    read = sb.ReadFile(sandbox_id=sandbox_id, path="hello.txt")
    chunk = sb.parse_reply(read, await send_command(nats_client, read, wait=10))
    assert sb.b64decode(chunk.content_b64) == b"Hello from the Cheatcode mock model\n"


async def test_every_tool_works_against_the_real_sandbox(
    stack: AgentStack, nats_client: Client, sandbox_service: SandboxService
) -> None:
    await stack.start_agent("agent-tool-tour")
    project_id, thread_id = await new_thread(nats_client, "u1", "[mock:tools]")
    reply = await send_command(nats_client, StartRun(thread_id=thread_id, user_id="u1"), wait=10)
    assert reply.ok, reply.error
    follower = await follow(nats_client, reply.result["run_id"])
    terminal = await follower.terminal(within=60)
    results = {f["tool"]: f for f in follower.frames if f["type"] == "tool_result"}
    assert terminal["status"] == "completed", (terminal, results)
    assert all(r["success"] for r in results.values()), results
    grep = results["grep_workspace"]["result"]
    assert grep["matches"] == [{"file": "notes/app.txt", "line": 2, "content": "gamma"}]
    assert [f["name"] for f in results["list_files"]["result"]["files"]] == ["app.txt"]
    assert results["execute_command"]["result"]["session_name"] == "bg"
    assert results["check_command_output"]["result"]["commands_count"] == 1
    assert results["terminate_command"]["result"]["session_name"] == "bg"

    gone = sb.ReadFile(sandbox_id=sb.sandbox_id_for(project_id), path="notes/app.txt")
    missing = await send_command(nats_client, gone, wait=10)
    assert missing.error is not None and missing.error.code == ErrorCode.NOT_FOUND
