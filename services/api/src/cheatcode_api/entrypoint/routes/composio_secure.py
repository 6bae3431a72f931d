"""``/api/composio-secure/*`` (reference §14.3): credential profiles by toolkit, defaults, MCP URLs.

Every route needs a token and checks ownership first: another user's profile id is 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cheatcode_api.entrypoint.deps import CurrentUser
from cheatcode_api.entrypoint.routes.composio import Deps, profile_id_or_404
from cheatcode_api.handlers import composio as use

router = APIRouter(prefix="/composio-secure", tags=["composio"])


class BulkDeleteBody(BaseModel):
    profile_ids: list[str] = Field(max_length=500)


@router.get("/composio-profiles")
async def composio_profiles(user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.grouped_profiles(deps, user.user_id)


@router.get("/composio-profiles/{profile_id}/mcp-url")
async def mcp_url(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    config = await use.mcp_config(deps, user.user_id, profile_id_or_404(profile_id))
    return {
        "success": True,
        "mcp_url": config.mcp_url,
        "profile_id": config.profile_id,
        "profile_name": config.profile_name,
        "toolkit_slug": config.toolkit_slug,
    }


@router.delete("/credential-profiles/{profile_id}")
async def delete_profile(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.delete_profile(deps, user.user_id, profile_id_or_404(profile_id))


@router.post("/credential-profiles/bulk-delete")
async def bulk_delete(body: BulkDeleteBody, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    result = await use.delete_profiles(deps, user.user_id, body.profile_ids)
    return {"success": True, "deleted_count": result.deleted_count, "requested_count": result.requested_count}


@router.put("/credential-profiles/{profile_id}/set-default")
async def set_default(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    await use.set_flag(deps, user.user_id, profile_id_or_404(profile_id), is_default=True)
    return {"success": True, "message": "Default profile updated"}


@router.put("/credential-profiles/{profile_id}/set-dashboard-default")
async def set_dashboard_default(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    await use.set_flag(deps, user.user_id, profile_id_or_404(profile_id), is_default_for_dashboard=True)
    return {"success": True, "message": "Dashboard default profile updated"}


@router.put("/credential-profiles/{profile_id}/toggle-active")
async def toggle_active(
    profile_id: str, user: CurrentUser, deps: Deps, is_active: Annotated[bool, Query()]
) -> dict[str, Any]:
    checked = profile_id_or_404(profile_id)
    await use.set_flag(deps, user.user_id, checked, is_active=is_active)
    return {"success": True, "profile_id": checked, "is_active": is_active}


@router.get("/dashboard-profiles")
async def dashboard_profiles(user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.dashboard_profiles(deps, user.user_id)


@router.get("/dashboard-mcp-urls")
async def dashboard_mcp_urls(user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.dashboard_mcp_urls(deps, user.user_id)
