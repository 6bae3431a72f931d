"""Toolkits, their tools and Composio's health: read-only, the toolkit list served from the cache."""

from __future__ import annotations

import logging

from cheatcode_contracts import CommandReply
from cheatcode_contracts.composio import (
    GetComposioHealth,
    GetToolkit,
    HealthResult,
    ListToolkits,
    ListToolkitTools,
    ToolkitInfo,
    ToolkitResult,
    ToolList,
)
from cheatcode_integrations.domain import catalog
from cheatcode_integrations.handlers.composio_deps import ComposioDeps, composio_errors
from cheatcode_integrations.ports.composio import ComposioError
from cheatcode_runtime.errors import NotFound

logger = logging.getLogger("cheatcode.integrations.catalog")

MAX_PAGES = 100  # a bound on Composio's cursor loop (100 x 100 toolkits)


async def all_toolkits(deps: ComposioDeps) -> list[ToolkitInfo]:
    """The whole catalog: from the cache, else every page from Composio (then cached)."""
    api = deps.composio()
    cache = deps.toolkit_cache.get_or_none()
    if cache is not None:
        cached = await cache.get()
        if cached is not None:
            return cached
    toolkits: list[ToolkitInfo] = []
    cursor: str | None = None
    with composio_errors():
        for _ in range(MAX_PAGES):
            page = await api.list_toolkits(cursor=cursor, limit=100)
            toolkits.extend(page.items)
            cursor = page.next_cursor
            if not cursor or not page.items:
                break
    if cache is not None:
        await cache.put(toolkits)
    return toolkits


async def list_toolkits(command: ListToolkits, deps: ComposioDeps) -> CommandReply:
    toolkits = await all_toolkits(deps)
    result = catalog.page(
        toolkits, search=command.search, category=command.category, cursor=command.cursor, limit=command.limit
    )
    return CommandReply.success(0, **result.model_dump(mode="json"))


async def get_toolkit(command: GetToolkit, deps: ComposioDeps) -> CommandReply:
    with composio_errors():
        toolkit = await deps.composio().get_toolkit(command.slug)
    if toolkit is None:
        raise NotFound(f"Toolkit '{command.slug}' not found")
    return CommandReply.success(0, **ToolkitResult(toolkit=toolkit).model_dump(mode="json"))


async def list_tools(command: ListToolkitTools, deps: ComposioDeps) -> CommandReply:
    with composio_errors():
        tools = await deps.composio().list_tools(command.toolkit_slug, limit=command.limit)
    return CommandReply.success(0, **ToolList(tools=tools[: command.limit]).model_dump(mode="json"))


async def health(command: GetComposioHealth, deps: ComposioDeps) -> CommandReply:
    if deps.api is None:
        result = HealthResult(
            status="error", connected=False, api_key_configured=False, error="COMPOSIO_API_KEY not set"
        )
        return CommandReply.success(0, **result.model_dump())
    try:
        await deps.api.list_toolkits(limit=1)
    except ComposioError as error:
        result = HealthResult(status="error", connected=False, api_key_configured=True, error=error.detail)
    else:
        result = HealthResult(status="healthy", connected=True, api_key_configured=True)
    return CommandReply.success(0, **result.model_dump())
