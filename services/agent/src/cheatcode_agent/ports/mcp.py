"""MCP servers of a run: where they are (from the integrations service) and a live connection.

``McpServerSource`` answers which servers a user's run may use (URL, secret headers, the
tools to offer); ``McpConnector`` opens one server over Streamable HTTP, lists its tools and
calls them. Both are ports so the run loop does not know NATS or the ``mcp`` SDK.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cheatcode_contracts.composio import McpServer


class McpError(Exception):
    """A server could not be reached, or failed a call; the message is safe to show the model."""


@dataclass(frozen=True)
class McpToolInfo:
    name: str
    description: str
    input_schema: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class McpCallResult:
    is_error: bool
    text: str  # the text content parts, joined
    structured: Any = None


class McpConnection(ABC):
    """One open session with one server (opened and closed by the connector)."""

    server: McpServer
    tools: tuple[McpToolInfo, ...]

    @abstractmethod
    async def call_tool(self, name: str, arguments: Mapping[str, Any], *, seconds: float) -> McpCallResult: ...


class McpConnector(ABC):
    @abstractmethod
    async def open(self, server: McpServer, *, seconds: float) -> McpConnection:
        """Connect, initialize and list the tools within ``seconds``; ``McpError`` otherwise."""

    @abstractmethod
    async def close(self, connection: McpConnection) -> None: ...


class McpServerSource(ABC):
    @abstractmethod
    async def servers_for(self, user_id: str) -> list[McpServer]:
        """The user's MCP servers for a run (none when the integrations service cannot tell)."""
