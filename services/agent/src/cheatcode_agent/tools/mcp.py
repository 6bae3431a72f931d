"""MCP tools in a run: the user's servers opened at run start, their tools offered as functions.

Every server is opened concurrently with its own connect timeout (45 s, reference §14.1);
one that fails is logged and left out, never failing the run. Tools keep their own names
and are prefixed with the toolkit only when the name is taken (a built-in tool, another
server's tool). A profile's ``enabled_tools`` list, when set, limits what is offered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from cheatcode_agent.ports.llm import ToolSpec
from cheatcode_agent.ports.mcp import McpConnection, McpConnector, McpError, McpServerSource, McpToolInfo
from cheatcode_agent.tools.base import Tool, ToolContext, ToolFailure, ToolResult

logger = logging.getLogger("cheatcode.agent.mcp")

CONNECT_TIMEOUT = 45.0
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_NAME_MAX = 64  # what OpenAI-style function names allow


class McpArguments(BaseModel):
    """Whatever the model sent: the MCP server validates against its own schema."""

    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class McpTool(Tool):
    input_schema: Mapping[str, Any] = field(default_factory=dict)
    server_tool: str = ""  # the name on the MCP server (``name`` may be prefixed)

    @property
    def spec(self) -> ToolSpec:
        schema = dict(self.input_schema) or {"type": "object", "properties": {}}
        schema.setdefault("type", "object")
        return ToolSpec(self.name, self.description, schema)


def _function_name(name: str) -> str:
    return _NAME_CHARS.sub("_", name)[:_NAME_MAX] or "tool"


def _unique(toolkit: str, name: str, taken: set[str]) -> str:
    candidate = _function_name(name)
    if candidate not in taken:
        return candidate
    candidate = _function_name(f"{toolkit}_{name}")
    index = 2
    while candidate in taken:
        candidate = _function_name(f"{toolkit}_{name}")[: _NAME_MAX - 4] + f"_{index}"
        index += 1
    return candidate


def _tool(connection: McpConnection, info: McpToolInfo, name: str) -> McpTool:
    async def run(arguments: Any, context: ToolContext) -> ToolResult:
        try:
            result = await connection.call_tool(info.name, arguments.model_dump(), seconds=context.timeout)
        except McpError as error:
            raise ToolFailure(str(error)) from None
        output: Any = result.text if result.text or result.structured is None else result.structured
        return ToolResult(not result.is_error, output)

    description = info.description or f"{info.name} ({connection.server.toolkit_slug}, over MCP)"
    return McpTool(name, description, McpArguments, run, input_schema=info.input_schema, server_tool=info.name)


def mcp_tools(connections: Iterable[McpConnection], taken: Iterable[str]) -> list[McpTool]:
    names = set(taken)
    tools: list[McpTool] = []
    for connection in connections:
        allowed = set(connection.server.enabled_tools)
        for info in connection.tools:
            if allowed and info.name not in allowed:
                continue
            name = _unique(connection.server.toolkit_slug, info.name, names)
            names.add(name)
            tools.append(_tool(connection, info, name))
    return tools


@dataclass(frozen=True)
class McpTools:
    """What the run loop needs: where servers come from and how to open them."""

    source: McpServerSource
    connector: McpConnector
    connect_timeout: float = CONNECT_TIMEOUT

    @asynccontextmanager
    async def for_run(self, user_id: str, taken: Iterable[str]) -> AsyncIterator[list[McpTool]]:
        """The run's MCP tools while the block runs; every server is closed afterwards."""
        servers = await self.source.servers_for(user_id)
        if not servers:
            yield []
            return
        opened = await asyncio.gather(
            *(self.connector.open(server, seconds=self.connect_timeout) for server in servers), return_exceptions=True
        )
        connections: list[McpConnection] = []
        for server, outcome in zip(servers, opened, strict=True):
            if isinstance(outcome, McpConnection):
                connections.append(outcome)
            elif isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome
            else:
                logger.warning("MCP server of %s left out of the run: %s", server.toolkit_slug, outcome)
        try:
            yield mcp_tools(connections, taken)
        finally:
            await asyncio.gather(*(self.connector.close(c) for c in connections), return_exceptions=True)
