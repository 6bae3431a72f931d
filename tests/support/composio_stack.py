"""The Composio double and the MCP double on free ports, for integration tests and benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from cheatcode_infra.doubles.composio import DEFAULT_API_KEY, ComposioDouble
from cheatcode_infra.doubles.mcp_server import HeaderRecorder, build_app
from cheatcode_infra.doubles.serving import BackgroundServer


@dataclass
class Doubles:
    composio: ComposioDouble
    composio_url: str
    mcp: HeaderRecorder
    mcp_url: str  # the live MCP endpoint
    api_key: str = DEFAULT_API_KEY


@asynccontextmanager
async def composio_doubles(mcp_toolkits: tuple[str, ...] = ("github",)) -> AsyncIterator[Doubles]:
    """A Composio double whose MCP servers for ``mcp_toolkits`` point at a live MCP double."""
    mcp_app = build_app()
    mcp_server = BackgroundServer(mcp_app)
    await mcp_server.start()
    double = ComposioDouble()
    composio_server = BackgroundServer(_late(double))
    double.base_url = composio_server.url
    double.mcp_urls = {toolkit: f"{mcp_server.url}/mcp" for toolkit in mcp_toolkits}
    await composio_server.start()
    try:
        yield Doubles(double, composio_server.url, mcp_app, f"{mcp_server.url}/mcp")
    finally:
        await composio_server.stop()
        await mcp_server.stop()


def _late(double: ComposioDouble) -> Any:
    """The double's app, built on first request (after ``base_url`` is known)."""
    app: list[Any] = []

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if not app:
            app.append(double.app())
        await app[0](scope, receive, send)

    return asgi
