"""Fixtures of the agent-run integration tests: real HTTP servers on free ports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
import uvicorn

from cheatcode_infra.mock_llm import create_app
from cheatcode_infra.ports import free_port

ServeAsgi = Callable[[Any], AbstractAsyncContextManager[str]]


@asynccontextmanager
async def _serve(app: Any) -> AsyncIterator[str]:
    """A real uvicorn serving ``app`` on a free port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
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
