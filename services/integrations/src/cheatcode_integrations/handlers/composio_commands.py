"""The Composio commands and the use case answering each (registered by ``app.register_composio``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cheatcode_contracts import Command, CommandReply, composio as contracts
from cheatcode_integrations.handlers import catalog, connections, profiles
from cheatcode_integrations.handlers.composio_deps import ComposioDeps

Handler = Callable[[Any, ComposioDeps], Awaitable[CommandReply]]

HANDLERS: dict[type[Command], Handler] = {
    contracts.GetComposioHealth: catalog.health,
    contracts.ListToolkits: catalog.list_toolkits,
    contracts.GetToolkit: catalog.get_toolkit,
    contracts.ListToolkitTools: catalog.list_tools,
    contracts.CreateProfile: profiles.create_profile,
    contracts.UpdateProfile: profiles.update_profile,
    contracts.DeleteProfiles: profiles.delete_profiles,
    contracts.GetProfileMcpConfig: profiles.mcp_config,
    contracts.ListDashboardMcpConfigs: profiles.dashboard_mcp_configs,
    contracts.DiscoverProfileTools: profiles.discover_tools,
    contracts.GetConnectionStatus: connections.connection_status,
    contracts.ListConnections: connections.list_connections,
    contracts.DeleteConnection: connections.delete_connection,
    contracts.GetRunMcpServers: profiles.run_servers,
}
