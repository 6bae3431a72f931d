"""Composio integrations: a user's credential profiles (events) and the integrations commands.

A credential profile is one OAuth connection of one user to one Composio toolkit. The rules
that span profiles (names unique per user and toolkit, one default and one dashboard default
per toolkit) make the user's whole set of profiles one aggregate: every profile event of a
user lives on ``cc.evt.credential_profiles.<owner_key>`` (``owner_key`` = :func:`owner_key`
of the user id), so optimistic concurrency on that one subject keeps the rules race-safe.

The connection config (connected account, enabled tools, initiation parameters) is a secret:
events carry it only sealed (``sealed_config``, AES-GCM under the profile's own data key, see
``cheatcode_runtime.secrets``) with its SHA-256 ``config_hash``; destroying the data key when
the profile is deleted makes every stored copy unreadable.

Commands go to ``cc.cmd.integrations.composio.*``. Replies carry their typed result models
(below) in ``CommandReply.result``; profile commands answer with the position of their last
event so the API can wait for its read model (read-your-writes).
``composio.run_servers`` returns decrypted connection headers and is for the agent only
(its NATS user is the only one allowed to publish it).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from cheatcode_contracts.base import Command, Event

PROFILES = "credential_profiles"
SERVICE = "integrations"
PROVIDER = "composio"
NAME_MAX = 255

# The fixed category list of ``GET /api/composio/categories`` (reference §14.2).
TOOLKIT_CATEGORIES: tuple[str, ...] = (
    "Productivity", "CRM", "Marketing", "Communication", "Development", "Storage", "E-commerce",
    "Analytics", "Social Media", "Finance", "HR", "Support", "AI", "Database", "Calendar", "Email",
)  # fmt: skip

_OWNER_NAMESPACE = uuid.UUID("2d0b8a4e-3c61-4f5e-9b7a-6e1d2c3f4a5b")


def owner_key(user_id: str) -> str:
    """The subject token of a user's profiles (user ids may hold characters subjects refuse)."""
    return str(uuid.uuid5(_OWNER_NAMESPACE, user_id))


def qualified_name(toolkit_slug: str) -> str:
    return f"{PROVIDER}:{toolkit_slug}"


# ---------------------------------------------------------------------------- events


class _ProfileEvent(Event):
    aggregate_kind: ClassVar[str] = PROFILES
    aggregate_field: ClassVar[str] = "owner_key"

    owner_key: str
    user_id: str
    profile_id: str


class CredentialProfileCreated(_ProfileEvent):
    """A profile was created together with its Composio connection (OAuth still to complete)."""

    type_name: ClassVar[str] = "credential_profile.created"

    toolkit_slug: str
    toolkit_name: str
    profile_name: str
    display_name: str
    connected_account_id: str
    enabled_tools: list[str] = Field(default_factory=list)
    is_active: bool = True
    is_default: bool = False
    is_default_for_dashboard: bool = False
    sealed_config: str  # ciphertext only (base64); never the config in clear
    config_hash: str


class CredentialProfileChanged(_ProfileEvent):
    """Some fields of a profile changed; ``None`` means unchanged."""

    type_name: ClassVar[str] = "credential_profile.changed"

    profile_name: str | None = None
    display_name: str | None = None
    is_active: bool | None = None
    is_default: bool | None = None
    is_default_for_dashboard: bool | None = None
    enabled_tools: list[str] | None = None
    sealed_config: str | None = None  # re-sealed when the config changed (enabled tools)
    config_hash: str | None = None


class CredentialProfileUsed(_ProfileEvent):
    """The profile's MCP URL was handed out (``last_used_at``)."""

    type_name: ClassVar[str] = "credential_profile.used"

    mcp_url: str = ""  # the resolved Composio MCP server URL (not a secret: it needs the API key)


class CredentialProfileDeleted(_ProfileEvent):
    """The profile is gone; its data key was destroyed right after this event was stored."""

    type_name: ClassVar[str] = "credential_profile.deleted"


EVENTS: tuple[type[Event], ...] = (
    CredentialProfileCreated,
    CredentialProfileChanged,
    CredentialProfileUsed,
    CredentialProfileDeleted,
)


# ---------------------------------------------------------------------------- reply shapes


class _Shape(BaseModel):
    model_config = ConfigDict(frozen=True)


class InitiationField(_Shape):
    name: str
    display_name: str = ""
    description: str = ""
    type: str = "string"
    required: bool = False
    default_value: Any = None


class ToolkitInfo(_Shape):
    slug: str
    name: str
    description: str = ""
    icon_url: str | None = None
    categories: list[str] = Field(default_factory=list)
    auth_schemes: list[str] = Field(default_factory=list)
    connected_account_initiation_fields: list[InitiationField] = Field(default_factory=list)
    auth_config_details: Any = None
    enabled: bool = True


class ToolkitPage(_Shape):
    toolkits: list[ToolkitInfo]
    next_cursor: str | None = None
    total: int = 0


class ToolkitResult(_Shape):
    toolkit: ToolkitInfo


class ToolInfo(_Shape):
    name: str
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class ToolList(_Shape):
    tools: list[ToolInfo]
    mcp_url: str | None = None


class HealthResult(_Shape):
    status: str  # "healthy" | "error"
    connected: bool
    api_key_configured: bool
    error: str | None = None


class ProfileCreatedResult(_Shape):
    profile_id: str
    redirect_url: str | None = None
    connection_id: str


class DeletedResult(_Shape):
    deleted_count: int
    requested_count: int


class McpConfig(_Shape):
    profile_id: str
    profile_name: str
    toolkit_slug: str
    mcp_url: str
    enabled_tools: list[str] = Field(default_factory=list)


class McpConfigList(_Shape):
    mcp_configs: list[McpConfig]


class ConnectionStatus(_Shape):
    connection_id: str
    status: str
    connected_account_id: str | None = None
    error: str | None = None


class ConnectionInfo(_Shape):
    id: str
    app_name: str
    status: str
    created_at: str | None = None


class ConnectionList(_Shape):
    connections: list[ConnectionInfo]


class McpServer(_Shape):
    """One MCP server a run connects to: URL with query, headers (secret), the tools to offer."""

    profile_id: str
    toolkit_slug: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    enabled_tools: list[str] = Field(default_factory=list)  # empty: all of the server's tools


class McpServerList(_Shape):
    servers: list[McpServer]


# ---------------------------------------------------------------------------- commands


class _Composio(Command):
    """Composio calls may retry with backoff: give them more than the usual deadline."""

    def reply_timeout(self, default: float) -> float:
        return max(default, 30.0)


class GetComposioHealth(_Composio):
    type_name: ClassVar[str] = "composio.health"


class ListToolkits(_Composio):
    type_name: ClassVar[str] = "composio.toolkits.list"

    search: str | None = None
    category: str | None = None
    cursor: str | None = None  # a string offset into the sorted, filtered list
    limit: int = Field(default=50, ge=1, le=100)


class GetToolkit(_Composio):
    type_name: ClassVar[str] = "composio.toolkits.get"

    slug: str


class ListToolkitTools(_Composio):
    type_name: ClassVar[str] = "composio.tools.list"

    toolkit_slug: str
    limit: int = Field(default=100, ge=1, le=200)


class CreateProfile(_Composio):
    type_name: ClassVar[str] = "composio.profile.create"

    user_id: str
    profile_id: str
    toolkit_slug: str = Field(min_length=1, max_length=NAME_MAX)
    profile_name: str = Field(min_length=1, max_length=NAME_MAX)
    display_name: str | None = Field(default=None, max_length=NAME_MAX)
    redirect_url: str | None = None
    initiation_params: dict[str, Any] = Field(default_factory=dict)
    use_custom_auth: bool = False
    custom_auth_config: dict[str, Any] | None = None


class UpdateProfile(_Composio):
    """Change fields (``None``: unchanged); ``is_default`` / dashboard flags apply the toolkit rule."""

    type_name: ClassVar[str] = "composio.profile.update"

    user_id: str
    profile_id: str
    profile_name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    display_name: str | None = Field(default=None, max_length=NAME_MAX)
    is_active: bool | None = None
    is_default: bool | None = None
    is_default_for_dashboard: bool | None = None
    enabled_tools: list[str] | None = None


class DeleteProfiles(_Composio):
    """Delete those of ``profile_ids`` the user owns; the result counts them."""

    type_name: ClassVar[str] = "composio.profile.delete"

    user_id: str
    profile_ids: list[str] = Field(max_length=500)


class GetProfileMcpConfig(_Composio):
    """The profile's MCP URL (found or created at Composio); records ``last_used_at``."""

    type_name: ClassVar[str] = "composio.profile.mcp_config"

    user_id: str
    profile_id: str


class ListDashboardMcpConfigs(_Composio):
    type_name: ClassVar[str] = "composio.profile.dashboard_mcp_configs"

    user_id: str


class DiscoverProfileTools(_Composio):
    type_name: ClassVar[str] = "composio.profile.discover_tools"

    user_id: str
    profile_id: str


class GetConnectionStatus(_Composio):
    type_name: ClassVar[str] = "composio.connection.status"

    user_id: str
    connection_id: str


class ListConnections(_Composio):
    type_name: ClassVar[str] = "composio.connection.list"

    user_id: str
    app_name: str | None = None


class DeleteConnection(_Composio):
    type_name: ClassVar[str] = "composio.connection.delete"

    user_id: str
    connection_id: str


class GetRunMcpServers(_Composio):
    """The agent's MCP servers for a run: the user's active dashboard-default profiles.

    The reply holds decrypted connection headers: only the agent may send this command.
    """

    type_name: ClassVar[str] = "composio.run_servers"

    user_id: str


COMMANDS: tuple[type[Command], ...] = (
    GetComposioHealth,
    ListToolkits,
    GetToolkit,
    ListToolkitTools,
    CreateProfile,
    UpdateProfile,
    DeleteProfiles,
    GetProfileMcpConfig,
    ListDashboardMcpConfigs,
    DiscoverProfileTools,
    GetConnectionStatus,
    ListConnections,
    DeleteConnection,
    GetRunMcpServers,
)
AGENT_ONLY: tuple[type[Command], ...] = (GetRunMcpServers,)
