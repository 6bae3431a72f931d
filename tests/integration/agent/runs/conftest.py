"""Fixtures of the agent-run integration tests: real HTTP servers on free ports."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import uvicorn
from nats.aio.client import Client

from cheatcode_agent.config import RunSettings, Settings
from cheatcode_agent.entrypoint.app import register_projects, register_threads
from cheatcode_agent.entrypoint.bootstrap import build
from cheatcode_agent.entrypoint.runs import runs_registration
from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.mock_llm import create_app
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings
from cheatcode_runtime.service import ServiceHost
from tests.integration.agent.runs.sandbox_double import SandboxProtocolDouble
from tests.support.requests import request_when_ready

ServeAsgi = Callable[[Any], AbstractAsyncContextManager[str]]


@asynccontextmanager
async def _serve(app: Any) -> AsyncIterator[str]:
    """A real uvicorn serving ``app`` on a free port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    )
    task = asyncio.create_task(server.serve())
    waiter = asyncio.create_task(_wait_started(server))
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _wait_started(server: uvicorn.Server) -> None:
    # uvicorn exposes readiness only as a flag; poll it briefly (no event exists to wait on).
    for _ in range(1000):
        if server.started:
            return
        await asyncio.sleep(0.01)


@pytest.fixture(scope="session")
def serve_asgi() -> ServeAsgi:
    return _serve


@pytest.fixture(scope="session")
async def mock_llm_url() -> AsyncIterator[str]:
    """``http://127.0.0.1:<port>/v1`` of a real uvicorn serving the mock model."""
    async with _serve(create_app()) as url:
        yield f"{url}/v1"


@dataclass
class AgentStack:
    """Agent hosts (each with its run worker) on the test NATS server, plus the helpers tests need."""

    nats_url: str
    llm_url: str
    consumer: str
    client: Client
    hosts: list[ServiceHost] = field(default_factory=list)
    nats_user: str | None = None
    nats_password: str | None = None

    async def start_agent(self, instance_id: str, **overrides: Any) -> ServiceHost:
        settings = RunSettings(
            llm_base_url=self.llm_url,
            llm_api_key="test",
            default_model_name="mock-model",
            llm_max_retries=0,
            consumer=self.consumer,
            **overrides,
        )
        registrations = (register_projects, register_threads, runs_registration(settings))
        nats = NatsSettings(url=self.nats_url, user=self.nats_user, password=self.nats_password)
        host = build(Settings(instance_id=instance_id, nats=nats), registrations)
        await host.app.start()
        self.hosts.append(host)
        await request_when_ready(self.client, ping_subject("agent"), b"")
        return host

    async def stop_all(self) -> None:
        for host in self.hosts:
            with contextlib.suppress(Exception):
                await host.app.stop()


@pytest.fixture
async def sandbox_double(nats_client: Client, tmp_path: Path) -> AsyncIterator[SandboxProtocolDouble]:
    double = SandboxProtocolDouble(nats_client, tmp_path / "sandboxes")
    await double.start()
    yield double
    await double.stop()


@pytest.fixture
async def stack(nats_server: NatsServer, nats_client: Client, mock_llm_url: str) -> AsyncIterator[AgentStack]:
    """Agents on the session's NATS; the test brings its sandbox (the double or the real service)."""
    # A consumer per test: each test's workers see only runs they can finish.
    stack = AgentStack(nats_server.url, mock_llm_url, f"runs-{uuid4().hex[:8]}", nats_client)
    yield stack
    await stack.stop_all()
