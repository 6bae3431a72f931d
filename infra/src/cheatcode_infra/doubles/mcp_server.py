"""A small MCP server (the official ``mcp`` SDK, Streamable HTTP at ``/mcp``) for tests and trials.

Its tools are deterministic so a test can check what a run streamed: ``lookup_order``
(required ``order_id``: string) and ``add_numbers`` (required ``a``, ``b``: numbers).
Every request's headers are recorded (``seen_headers``) so tests can check what the agent sent.
"""

from __future__ import annotations

from typing import Any

from mcp.server.fastmcp import FastMCP
from starlette.types import ASGIApp, Receive, Scope, Send

TOOL_NAMES = ("lookup_order", "add_numbers")


def order_text(order_id: str) -> str:
    return f"Order {order_id}: 2 x blue widget, status shipped"


def build_server(name: str = "cheatcode-mcp-double") -> FastMCP:
    server = FastMCP(name, stateless_http=True, json_response=True, log_level="WARNING")

    @server.tool(description="Look up an order by its id and return its status.")
    def lookup_order(order_id: str) -> str:
        return order_text(order_id)

    @server.tool(description="Add two numbers.")
    def add_numbers(a: float, b: float) -> str:
        return f"{a + b:g}"

    return server


class HeaderRecorder:
    """ASGI wrapper remembering the headers of every request (lower-cased names)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen_headers: list[dict[str, str]] = []
        self.seen_queries: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen_headers.append({k.decode().lower(): v.decode() for k, v in scope.get("headers", [])})
            self.seen_queries.append(scope.get("query_string", b"").decode())
        await self.app(scope, receive, send)


def build_app(name: str = "cheatcode-mcp-double") -> Any:
    """The Starlette app (MCP endpoint ``/mcp``) wrapped in a :class:`HeaderRecorder`."""
    server = build_server(name)
    # Accept any Host header: tests and trials reach it on 127.0.0.1:<free port>.
    server.settings.transport_security = None
    return HeaderRecorder(server.streamable_http_app())
