"""MCP over Streamable HTTP with the official ``mcp`` SDK.

Each connection lives in its own task: the SDK's transport is an anyio task group that
must be entered and left by the same task, and runs open several servers concurrently.
The task connects, initializes, lists the tools, reports ready, then holds the session
until it is told to close. Calls are sent from any task through the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent

from cheatcode_agent.ports.mcp import McpCallResult, McpConnection, McpConnector, McpError, McpToolInfo
from cheatcode_contracts.composio import McpServer

logger = logging.getLogger("cheatcode.agent.mcp")


class _Connection(McpConnection):
    def __init__(self, server: McpServer) -> None:
        self.server = server
        self.tools: tuple[McpToolInfo, ...] = ()
        self.session: ClientSession | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closing = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def call_tool(self, name: str, arguments: Mapping[str, Any], *, seconds: float) -> McpCallResult:
        if self.session is None or self.task is None or self.task.done():
            raise McpError(f"the MCP server of {self.server.toolkit_slug} is disconnected")
        try:
            result = await self.session.call_tool(
                name, dict(arguments), read_timeout_seconds=timedelta(seconds=seconds)
            )
        except Exception as error:
            raise McpError(f"{name} failed on the MCP server: {_reason(error)}") from None
        return _result(result)

    async def hold(self, seconds: float) -> None:
        headers = dict(self.server.headers)
        try:
            async with (
                httpx.AsyncClient(
                    headers=headers, timeout=httpx.Timeout(seconds, read=300.0), follow_redirects=True
                ) as http,
                streamable_http_client(self.server.url, http_client=http) as (read, write, _),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                listed = await session.list_tools()
                self.tools = tuple(
                    McpToolInfo(tool.name, tool.description or "", dict(tool.inputSchema or {}))
                    for tool in listed.tools
                )
                self.session = session
                self.ready.set_result(None)
                await self.closing.wait()
        except BaseException as error:
            if not self.ready.done():
                self.ready.set_exception(McpError(_reason(error)))
            if not isinstance(error, Exception):
                raise
        finally:
            self.session = None


class StreamableHttpMcp(McpConnector):
    async def open(self, server: McpServer, *, seconds: float) -> McpConnection:
        connection = _Connection(server)
        connection.task = asyncio.create_task(connection.hold(seconds), name=f"mcp:{server.profile_id}")
        try:
            await asyncio.wait_for(asyncio.shield(connection.ready), seconds)
        except TimeoutError:
            await self.close(connection)
            raise McpError(f"no answer within {seconds:g} s") from None
        except McpError:
            await self.close(connection)
            raise
        return connection

    async def close(self, connection: McpConnection) -> None:
        assert isinstance(connection, _Connection)
        connection.closing.set()
        task = connection.task
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), 5.0)
        except (TimeoutError, Exception):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _reason(error: BaseException) -> str:
    """The innermost cause (the SDK wraps transport failures in exception groups)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__


def _result(result: CallToolResult) -> McpCallResult:
    texts = [part.text for part in result.content if isinstance(part, TextContent)]
    return McpCallResult(is_error=bool(result.isError), text="\n".join(texts), structured=result.structuredContent)
