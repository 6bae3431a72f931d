"""Composio end to end: ``cheatcode up`` pointed at the Composio double (``cheatcode composio-double``)
whose github MCP servers are a live MCP double (``cheatcode mcp-double``) and slack's are dead.

Checked from outside over HTTP and SSE: profiles, the run's MCP tool call and its result, a dead
server not failing the run, and the connection config never in a response, a log line or EVENTS.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cheatcode_infra.doubles.composio import DEFAULT_API_KEY
from cheatcode_infra.doubles.mcp_server import order_text
from cheatcode_infra.free_ports import free_port
from cheatcode_runtime.nats import NatsSettings, connect
from tests.integration.api.streaming.sse import parse_events
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

SECRET = "sk-e2e-initiation-secret-31337"


def _serve(command: list[str], port: int, home: Path, name: str) -> subprocess.Popen[bytes]:
    log = open(home / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen(
        [sys.executable, "-m", "cheatcode_infra", *command, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{name} did not start: {(home / f'{name}.log').read_text()[-2000:]}")


@pytest.fixture(scope="module")
def composio_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = Path(tmp_path_factory.mktemp("e2e-composio"))
    mcp_port, composio_port = free_port(), free_port()
    mcp = _serve(["mcp-double"], mcp_port, home, "mcp-double")
    composio = _serve(
        ["composio-double", "--mcp-url", f"github=http://127.0.0.1:{mcp_port}/mcp"], composio_port, home, "composio"
    )
    env = {"COMPOSIO_API_KEY": DEFAULT_API_KEY, "COMPOSIO_BASE_URL": f"http://127.0.0.1:{composio_port}"}
    stack = Stack(home / "home", env=env)
    try:
        stack.start(timeout=90)
        yield stack
    finally:
        stack.stop()
        for process in (composio, mcp):
            process.terminate()
            process.wait(10)


def auth(stack: Stack, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(user)}"}


def call(stack: Stack, method: str, path: str, user: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{stack.base_url}{path}", headers=auth(stack, user), timeout=60, **kwargs)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_profiles_then_a_run_calls_the_live_mcp_tool_and_survives_the_dead_one(composio_stack: Stack) -> None:
    stack, alice, bob = composio_stack, "e2e_composio_alice", "e2e_composio_bob"
    page = ok(httpx.get(f"{stack.base_url}/api/composio/toolkits", params={"limit": 3}, timeout=30))
    assert [t["slug"] for t in page["toolkits"]] == ["github", "slack", "gmail"]
    assert httpx.get(f"{stack.base_url}/api/composio/toolkits/nope/details", timeout=30).status_code == 404

    body = {"toolkit_slug": "github", "profile_name": "Work", "initiation_params": {"token": SECRET}}
    github = ok(call(stack, "POST", "/api/composio/profiles", alice, json=body))
    assert github["redirect_url"].endswith(github["connection_id"])
    assert call(stack, "POST", "/api/composio/profiles", alice, json=body).status_code == 400
    slack = ok(
        call(stack, "POST", "/api/composio/profiles", alice, json={"toolkit_slug": "slack", "profile_name": "Chat"})
    )
    profile = ok(call(stack, "GET", f"/api/composio/profiles/{github['profile_id']}", alice))["profile"]
    assert profile["is_default"] and profile["is_default_for_dashboard"] and profile["is_active"]
    assert ok(call(stack, "PUT", f"/api/composio/profiles/{github['profile_id']}/tools", alice, json=["lookup_order"]))[
        "enabled_tools"
    ] == ["lookup_order"]
    urls = ok(call(stack, "GET", "/api/composio-secure/dashboard-mcp-urls", alice))
    assert {c["profile_id"] for c in urls["mcp_configs"]} == {github["profile_id"], slack["profile_id"]}
    assert call(stack, "GET", f"/api/composio/profiles/{github['profile_id']}", bob).status_code == 404

    started = ok(
        httpx.post(
            f"{stack.base_url}/api/agent/initiate",
            data={"prompt": "Look up my order [mock:mcp]"},
            headers=auth(stack, alice),
            timeout=60,
        )
    )
    stream = httpx.get(
        f"{stack.base_url}/api/agent-run/{started['agent_run_id']}/stream",
        params={"token": stack.token(alice)},
        timeout=120,
    )
    frames = [event.data for event in parse_events(stream.text) if event.id is not None]
    calls = [f for f in frames if f["type"] == "tool_call" and f["tool"] == "lookup_order"]
    assert calls and calls[0]["arguments"] == {"order_id": "test"}, frames
    results = [f for f in frames if f["type"] == "tool_result" and f["tool"] == "lookup_order"]
    assert results and results[0]["success"] and order_text("test") in str(results[0]["result"])
    assert frames[-1]["type"] == "status" and frames[-1]["status"] == "completed"  # the dead slack server: no harm

    # The connection config never shows up in clear: not in responses, logs or EVENTS.
    seen = [
        call(stack, "GET", path, alice).text
        for path in (
            "/api/composio/profiles",
            "/api/composio-secure/composio-profiles",
            "/api/composio-secure/dashboard-profiles",
        )
    ]
    assert all(SECRET not in text for text in seen)
    for log in (stack.home / "logs").glob("*.log"):
        assert SECRET not in log.read_text(errors="replace"), log
    assert not asyncio.run(_secret_in_events(stack))


async def _secret_in_events(stack: Stack) -> bool:
    client = await connect(
        NatsSettings(url=stack.state()["nats_url"], user="api", password=stack.nats_password("api")), name="e2e"
    )
    try:
        js = client.jetstream()
        last = (await js.stream_info("EVENTS")).state.last_seq
        for seq in range(1, last + 1):
            message = await js.get_msg("EVENTS", seq)
            if message.data and SECRET.encode() in message.data:
                return True
        return False
    finally:
        await client.close()
