"""The Composio REST API as the use cases see it, and the toolkit list cache.

The adapter maps Composio's JSON to our shapes (``ToolkitInfo``, ``ToolInfo``) and its
errors to :class:`ComposioError`; 404s the callers care about are ``None`` / no-ops.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cheatcode_contracts.composio import ToolInfo, ToolkitInfo


class ComposioError(Exception):
    """Composio refused or failed; ``detail`` is safe to show (Composio's own message)."""

    def __init__(self, detail: str, *, status: int = 0) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


class ComposioUnavailableError(ComposioError):
    """Composio did not answer (network, timeout, 5xx / 429 after the retries)."""


@dataclass(frozen=True)
class ToolkitPage:
    items: list[ToolkitInfo]
    next_cursor: str | None


@dataclass(frozen=True)
class ConnectionRequest:
    id: str
    status: str
    redirect_url: str | None


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    toolkit_slug: str
    status: str
    user_id: str | None = None
    auth_config_id: str | None = None
    created_at: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class McpServerRef:
    id: str
    name: str
    url: str
    toolkits: tuple[str, ...] = ()
    auth_config_ids: tuple[str, ...] = field(default_factory=tuple)


class ComposioApi(ABC):
    @abstractmethod
    async def list_toolkits(self, *, cursor: str | None = None, limit: int = 100) -> ToolkitPage: ...

    @abstractmethod
    async def get_toolkit(self, slug: str) -> ToolkitInfo | None: ...

    @abstractmethod
    async def find_managed_auth_config(self, toolkit_slug: str) -> str | None:
        """The id of the Composio-managed auth config of the toolkit, if one exists."""

    @abstractmethod
    async def create_auth_config(self, toolkit_slug: str, custom: Mapping[str, Any] | None = None) -> str:
        """A new auth config: Composio-managed, or with the user's own OAuth app (``custom``)."""

    @abstractmethod
    async def create_connected_account(
        self,
        auth_config_id: str,
        user_id: str,
        *,
        redirect_url: str | None = None,
        initiation_params: Mapping[str, Any] | None = None,
    ) -> ConnectionRequest: ...

    @abstractmethod
    async def get_connected_account(self, account_id: str) -> ConnectedAccount | None: ...

    @abstractmethod
    async def list_connected_accounts(
        self, user_id: str, toolkit_slug: str | None = None
    ) -> list[ConnectedAccount]: ...

    @abstractmethod
    async def delete_connected_account(self, account_id: str) -> None:
        """Deleted, or already gone (Composio's 200, 204 and 404 all count)."""

    @abstractmethod
    async def list_mcp_servers(self, toolkit_slug: str | None = None) -> list[McpServerRef]: ...

    @abstractmethod
    async def create_mcp_server(
        self, name: str, auth_config_ids: Sequence[str], connected_account_ids: Sequence[str]
    ) -> McpServerRef: ...

    @abstractmethod
    async def list_tools(self, toolkit_slug: str, *, limit: int = 100) -> list[ToolInfo]: ...

    @abstractmethod
    async def close(self) -> None: ...


class ToolkitCache(ABC):
    """The whole toolkit catalog, kept for a TTL so listing does not call Composio every time."""

    @abstractmethod
    async def get(self) -> list[ToolkitInfo] | None:
        """The cached list, or ``None`` when it expired, was never stored or cannot be read."""

    @abstractmethod
    async def put(self, toolkits: Sequence[ToolkitInfo]) -> None: ...
