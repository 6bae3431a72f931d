"""Composio use cases behind ``/api/composio/*`` and ``/api/composio-secure/*`` (reference §14).

The API never talks to Composio: the integrations service holds the Composio key and the
secrets box. Profiles are read from the ``composio_profiles`` read model (scoped to the
caller, so another user's id is 404); changes and anything needing Composio are commands,
and a change answers once its projection has caught up (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from cheatcode_api.handlers.errors import ApiError, InvalidRequestError, NotFoundError
from cheatcode_api.ports.commands import CommandBus, CommandBusUnavailableError, CommandRejectedError
from cheatcode_api.ports.composio import ComposioReads, ProfileRow
from cheatcode_api.ports.read_models import CheckpointWaiter
from cheatcode_contracts import Command, CommandReply, ErrorCode, composio as c, new_id

PROJECTION = "composio_profiles"
PROFILE_NOT_FOUND = "Profile not found"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ComposioDeps:
    commands: CommandBus
    rows: ComposioReads
    waiter: CheckpointWaiter


class _Unavailable(ApiError):
    status = 503


async def _send(deps: ComposioDeps, command: Command) -> CommandReply:
    """The reply; the integrations service's refusals as our statuses (INVALID is a 400 here)."""
    try:
        return await deps.commands.send(command)
    except CommandRejectedError as error:
        if error.code is ErrorCode.INVALID:
            raise InvalidRequestError(error.detail) from None
        if error.code is ErrorCode.UNAVAILABLE:
            raise _Unavailable(error.detail) from None
        raise


async def _ask(deps: ComposioDeps, command: Command, model: type[M]) -> M:
    return model.model_validate((await _send(deps, command)).result)


async def _changed(deps: ComposioDeps, command: Command) -> CommandReply:
    reply = await _send(deps, command)
    await deps.waiter.wait_for(PROJECTION, reply.position)
    return reply


def profile_body(row: ProfileRow) -> dict[str, Any]:
    """The reference's Profile shape (``is_connected`` mirrors ``is_active``)."""
    return {
        "profile_id": row.profile_id,
        "user_id": row.user_id,
        "toolkit_slug": row.toolkit_slug,
        "profile_name": row.profile_name,
        "display_name": row.display_name,
        "connected_account_id": row.connected_account_id,
        "mcp_qualified_name": c.qualified_name(row.toolkit_slug),
        "is_active": row.is_active,
        "is_default": row.is_default,
        "is_default_for_dashboard": row.is_default_for_dashboard,
        "is_connected": row.is_active,
        "enabled_tools": list(row.enabled_tools),
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
    }


async def _owned(deps: ComposioDeps, user_id: str, profile_id: str) -> ProfileRow:
    row = await deps.rows.profile(user_id, profile_id)
    if row is None:
        raise NotFoundError(PROFILE_NOT_FOUND)
    return row


# ---------------------------------------------------------------------------- catalog (no auth)


async def health(deps: ComposioDeps) -> dict[str, Any]:
    try:
        result = await _ask(deps, c.GetComposioHealth(), c.HealthResult)
    except (CommandBusUnavailableError, _Unavailable) as error:
        return {"status": "error", "connected": False, "api_key_configured": False, "error": str(error)}
    return result.model_dump(exclude_none=True)


def categories() -> dict[str, Any]:
    return {"success": True, "categories": list(c.TOOLKIT_CATEGORIES)}


async def toolkits(
    deps: ComposioDeps, *, category: str | None, search: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    command = c.ListToolkits(category=category, search=search, cursor=cursor, limit=min(max(limit, 1), 100))
    page = await _ask(deps, command, c.ToolkitPage)
    return {"success": True, **page.model_dump(mode="json")}


async def toolkit(deps: ComposioDeps, slug: str) -> dict[str, Any]:
    found = await _ask(deps, c.GetToolkit(slug=slug), c.ToolkitResult)
    return {"success": True, "toolkit": found.toolkit.model_dump(mode="json")}


async def toolkit_icon(deps: ComposioDeps, slug: str) -> dict[str, Any]:
    try:
        found = await _ask(deps, c.GetToolkit(slug=slug), c.ToolkitResult)
    except CommandRejectedError as error:
        if error.code is not ErrorCode.NOT_FOUND:
            raise
        return {"success": True, "icon_url": None}
    return {"success": True, "icon_url": found.toolkit.icon_url}


async def tools(deps: ComposioDeps, toolkit_slug: str, limit: int) -> dict[str, Any]:
    listed = await _ask(deps, c.ListToolkitTools(toolkit_slug=toolkit_slug, limit=min(max(limit, 1), 200)), c.ToolList)
    body = [tool.model_dump(mode="json") for tool in listed.tools]
    return {"success": True, "tools": body, "count": len(body)}


# ---------------------------------------------------------------------------- profiles


async def list_profiles(deps: ComposioDeps, user_id: str, toolkit_slug: str | None) -> dict[str, Any]:
    rows = await deps.rows.profiles(user_id, toolkit_slug)
    return {"success": True, "profiles": [profile_body(row) for row in rows], "count": len(rows)}


async def name_available(deps: ComposioDeps, user_id: str, toolkit_slug: str, profile_name: str) -> dict[str, Any]:
    return {"success": True, "available": not await deps.rows.name_taken(user_id, toolkit_slug, profile_name)}


async def get_profile(deps: ComposioDeps, user_id: str, profile_id: str) -> dict[str, Any]:
    return {"success": True, "profile": profile_body(await _owned(deps, user_id, profile_id))}


async def create_profile(deps: ComposioDeps, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    command = c.CreateProfile(user_id=user_id, profile_id=new_id(), **body)
    reply = await _changed(deps, command)
    created = c.ProfileCreatedResult.model_validate(reply.result)
    return {
        "success": True,
        "profile_id": created.profile_id,
        "redirect_url": created.redirect_url,
        "connection_id": created.connection_id,
        "message": "Profile created. Complete OAuth to activate.",
    }


async def update_profile(deps: ComposioDeps, user_id: str, profile_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    await _owned(deps, user_id, profile_id)
    await _changed(deps, c.UpdateProfile(user_id=user_id, profile_id=profile_id, **changes))
    return {"success": True, "profile": profile_body(await _owned(deps, user_id, profile_id))}


async def set_tools(deps: ComposioDeps, user_id: str, profile_id: str, tools: Sequence[str]) -> dict[str, Any]:
    await _owned(deps, user_id, profile_id)
    reply = await _changed(deps, c.UpdateProfile(user_id=user_id, profile_id=profile_id, enabled_tools=list(tools)))
    return {"success": True, "enabled_tools": reply.result.get("enabled_tools", list(tools))}


async def set_flag(deps: ComposioDeps, user_id: str, profile_id: str, **flag: bool) -> None:
    await _owned(deps, user_id, profile_id)
    await _changed(deps, c.UpdateProfile(user_id=user_id, profile_id=profile_id, **flag))


async def delete_profiles(deps: ComposioDeps, user_id: str, profile_ids: Sequence[str]) -> c.DeletedResult:
    reply = await _changed(deps, c.DeleteProfiles(user_id=user_id, profile_ids=list(profile_ids)))
    return c.DeletedResult.model_validate(reply.result)


async def delete_profile(deps: ComposioDeps, user_id: str, profile_id: str) -> dict[str, Any]:
    await _owned(deps, user_id, profile_id)
    if (await delete_profiles(deps, user_id, [profile_id])).deleted_count == 0:
        raise NotFoundError(PROFILE_NOT_FOUND)
    return {"success": True, "message": "Profile deleted"}


async def mcp_config(deps: ComposioDeps, user_id: str, profile_id: str) -> c.McpConfig:
    await _owned(deps, user_id, profile_id)
    reply = await _changed(deps, c.GetProfileMcpConfig(user_id=user_id, profile_id=profile_id))
    return c.McpConfig.model_validate(reply.result)


async def discover_tools(deps: ComposioDeps, user_id: str, profile_id: str) -> dict[str, Any]:
    await _owned(deps, user_id, profile_id)
    found = await _ask(deps, c.DiscoverProfileTools(user_id=user_id, profile_id=profile_id), c.ToolList)
    body = [tool.model_dump(mode="json") for tool in found.tools]
    return {"success": True, "tools": body, "count": len(body), "mcp_url": found.mcp_url}


async def dashboard_profiles(deps: ComposioDeps, user_id: str) -> dict[str, Any]:
    rows = await deps.rows.dashboard_profiles(user_id)
    return {"success": True, "profiles": [profile_body(row) for row in rows], "count": len(rows)}


async def dashboard_mcp_urls(deps: ComposioDeps, user_id: str) -> dict[str, Any]:
    listed = await _ask(deps, c.ListDashboardMcpConfigs(user_id=user_id), c.McpConfigList)
    configs = [config.model_dump(mode="json") for config in listed.mcp_configs]
    return {"success": True, "mcp_configs": configs, "count": len(configs)}


def toolkit_title(slug: str) -> str:
    return slug.replace("_", " ").title()


async def grouped_profiles(deps: ComposioDeps, user_id: str) -> dict[str, Any]:
    groups: dict[str, list[ProfileRow]] = {}
    for row in await deps.rows.profiles(user_id):
        groups.setdefault(row.toolkit_slug, []).append(row)
    toolkits = [
        {
            "toolkit_slug": slug,
            "toolkit_name": toolkit_title(slug),
            "profiles": [profile_body(row) for row in rows],
            "profile_count": len(rows),
        }
        for slug, rows in groups.items()
    ]
    toolkits.sort(key=lambda group: str(group["toolkit_name"]))
    return {"success": True, "toolkits": toolkits, "total_profiles": sum(len(rows) for rows in groups.values())}


# ---------------------------------------------------------------------------- connections


async def connection_status(deps: ComposioDeps, user_id: str, connection_id: str) -> dict[str, Any]:
    status = await _ask(deps, c.GetConnectionStatus(user_id=user_id, connection_id=connection_id), c.ConnectionStatus)
    return {"success": True, **status.model_dump(mode="json")}


async def connections(deps: ComposioDeps, user_id: str, app_name: str | None) -> dict[str, Any]:
    listed = await _ask(deps, c.ListConnections(user_id=user_id, app_name=app_name), c.ConnectionList)
    body = [item.model_dump(mode="json") for item in listed.connections]
    return {"success": True, "connections": body, "count": len(body)}


async def delete_connection(deps: ComposioDeps, user_id: str, connection_id: str) -> dict[str, Any]:
    await _send(deps, c.DeleteConnection(user_id=user_id, connection_id=connection_id))
    return {"success": True, "message": "Connection deleted"}
