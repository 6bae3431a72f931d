"""``/api/composio/*`` (reference §14.2): the toolkit catalog, credential profiles, connections.

``health``, ``categories`` and the toolkit routes need no token; everything else does, and
every profile or connection route checks ownership first (another user's id is 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from cheatcode_api.entrypoint.deps import ContainerDep, CurrentUser
from cheatcode_api.entrypoint.routes.ids import uuid_or_404
from cheatcode_api.handlers import composio as use
from cheatcode_api.handlers.errors import NotConfiguredError
from cheatcode_contracts.composio import NAME_MAX

router = APIRouter(prefix="/composio", tags=["composio"])


async def composio_deps(container: ContainerDep) -> use.ComposioDeps:
    deps = container.composio_deps
    if deps is None:
        raise NotConfiguredError("Composio integrations are not available on this server")
    return deps


Deps = Annotated[use.ComposioDeps, Depends(composio_deps)]


def profile_id_or_404(profile_id: str) -> str:
    return uuid_or_404(profile_id, use.PROFILE_NOT_FOUND)


class CreateProfileBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    toolkit_slug: str = Field(min_length=1, max_length=NAME_MAX)
    profile_name: str = Field(min_length=1, max_length=NAME_MAX)
    display_name: str | None = Field(default=None, max_length=NAME_MAX)
    redirect_url: str | None = None
    initiation_params: dict[str, Any] = Field(default_factory=dict)
    use_custom_auth: bool = False
    custom_auth_config: dict[str, Any] | None = None


class UpdateProfileBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    profile_name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    display_name: str | None = Field(default=None, max_length=NAME_MAX)
    is_active: bool | None = None
    is_default: bool | None = None
    is_default_for_dashboard: bool | None = None
    enabled_tools: list[str] | None = None


# ---------------------------------------------------------------------------- catalog (no auth)


@router.get("/health")
async def health(deps: Deps) -> dict[str, Any]:
    return await use.health(deps)


@router.get("/categories")
async def categories() -> dict[str, Any]:
    return use.categories()


@router.get("/toolkits")
async def toolkits(
    deps: Deps,
    category: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    return await use.toolkits(deps, category=category, search=search, cursor=cursor, limit=limit)


@router.get("/toolkits/{slug}/icon")
async def toolkit_icon(slug: str, deps: Deps) -> dict[str, Any]:
    return await use.toolkit_icon(deps, slug)


@router.get("/toolkits/{slug}/details")
async def toolkit_details(slug: str, deps: Deps) -> dict[str, Any]:
    return await use.toolkit(deps, slug)


@router.get("/tools/list")
async def tools(
    user: CurrentUser, deps: Deps, toolkit_slug: Annotated[str, Query(min_length=1)], limit: int = 100
) -> dict[str, Any]:
    return await use.tools(deps, toolkit_slug, limit)


# ---------------------------------------------------------------------------- profiles


@router.get("/profiles")
async def profiles(user: CurrentUser, deps: Deps, toolkit_slug: str | None = None) -> dict[str, Any]:
    return await use.list_profiles(deps, user.user_id, toolkit_slug)


@router.get("/profiles/check-name-availability")
async def check_name(
    user: CurrentUser,
    deps: Deps,
    toolkit_slug: Annotated[str, Query(min_length=1)],
    profile_name: Annotated[str, Query(min_length=1)],
) -> dict[str, Any]:
    return await use.name_available(deps, user.user_id, toolkit_slug, profile_name)


@router.get("/profiles/{profile_id}")
async def profile(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.get_profile(deps, user.user_id, profile_id_or_404(profile_id))


@router.post("/profiles")
async def create_profile(body: CreateProfileBody, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.create_profile(deps, user.user_id, body.model_dump())


@router.put("/profiles/{profile_id}")
async def update_profile(profile_id: str, body: UpdateProfileBody, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.update_profile(deps, user.user_id, profile_id_or_404(profile_id), body.model_dump())


@router.delete("/profiles/{profile_id}")
async def delete_profile(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.delete_profile(deps, user.user_id, profile_id_or_404(profile_id))


@router.get("/profiles/{profile_id}/mcp-config")
async def mcp_config(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    config = await use.mcp_config(deps, user.user_id, profile_id_or_404(profile_id))
    return {
        "success": True,
        "mcp_url": config.mcp_url,
        "app_name": config.toolkit_slug,
        "enabled_tools": config.enabled_tools,
    }


@router.post("/discover-tools/{profile_id}")
async def discover_tools(profile_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.discover_tools(deps, user.user_id, profile_id_or_404(profile_id))


@router.put("/profiles/{profile_id}/tools")
async def set_tools(
    profile_id: str, user: CurrentUser, deps: Deps, tools: Annotated[list[str], Body()]
) -> dict[str, Any]:
    """The body is a bare JSON array of tool names (reference §14.2)."""
    return await use.set_tools(deps, user.user_id, profile_id_or_404(profile_id), tools)


# ---------------------------------------------------------------------------- connections


@router.get("/connections/status/{connection_id}")
async def connection_status(connection_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.connection_status(deps, user.user_id, connection_id)


@router.get("/connections")
async def connections(user: CurrentUser, deps: Deps, app_name: str | None = None) -> dict[str, Any]:
    return await use.connections(deps, user.user_id, app_name)


@router.delete("/connections/{connection_id}")
async def delete_connection(connection_id: str, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    return await use.delete_connection(deps, user.user_id, connection_id)
