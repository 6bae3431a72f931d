"""The run's MCP servers, asked of the integrations service (``composio.run_servers``)."""

from __future__ import annotations

import logging

from nats.aio.client import Client

from cheatcode_agent.ports.mcp import McpServerSource
from cheatcode_contracts.composio import GetRunMcpServers, McpServer, McpServerList
from cheatcode_runtime.nats import CommandClient, CommandRejectedError, CommandUnavailableError

logger = logging.getLogger("cheatcode.agent.mcp")


class NatsMcpServers(McpServerSource):
    def __init__(self, client: Client, *, timeout: float = 10.0) -> None:
        self._commands = CommandClient(client, timeout=timeout)
        self._timeout = timeout

    async def servers_for(self, user_id: str) -> list[McpServer]:
        try:
            listed = await self._commands.ask(GetRunMcpServers(user_id=user_id), McpServerList, wait=self._timeout)
        except (CommandRejectedError, CommandUnavailableError) as error:
            # The run goes on with its built-in tools only.
            logger.warning("no MCP servers for this run: %s", error)
            return []
        return listed.servers
