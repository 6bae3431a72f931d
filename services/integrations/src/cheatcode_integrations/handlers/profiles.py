"""Credential profiles: create (with its Composio connection), change, delete, hand out MCP URLs.

Every use case loads the caller's own set of profiles (``owner_key(user_id)``), so another
user's profile id is simply not found. The connection config is sealed before it enters an
event and opened only here (for the agent's MCP headers and for re-sealing).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from cheatcode_contracts import CommandReply, Event
from cheatcode_contracts.composio import (
    CreateProfile,
    CredentialProfileDeleted,
    DeletedResult,
    DeleteProfiles,
    DiscoverProfileTools,
    GetProfileMcpConfig,
    GetRunMcpServers,
    ListDashboardMcpConfigs,
    McpConfig,
    McpConfigList,
    McpServer,
    McpServerList,
    ProfileCreatedResult,
    ToolList,
    UpdateProfile,
    owner_key,
)
from cheatcode_integrations.domain import profiles as rules
from cheatcode_integrations.domain.profiles import CredentialProfile, UserProfiles
from cheatcode_integrations.handlers.composio_deps import ComposioDeps, composio_errors
from cheatcode_integrations.ports.composio import ComposioApi, ComposioError
from cheatcode_runtime.errors import DomainError, NotFound
from cheatcode_runtime.secrets import SecretBox

logger = logging.getLogger("cheatcode.integrations.profiles")


async def create_profile(command: CreateProfile, deps: ComposioDeps) -> CommandReply:
    key = owner_key(command.user_id)
    loaded = await deps.profiles.load(key)
    existing = loaded.state.profiles.get(command.profile_id)
    if existing is not None and existing.user_id == command.user_id:
        # The same command again (a retried request): answer as the first time did.
        created = ProfileCreatedResult(profile_id=existing.profile_id, connection_id=existing.connected_account_id)
        return CommandReply.success(loaded.position, **created.model_dump())
    rules.check_name(loaded.state, command.toolkit_slug, command.profile_name)  # before touching Composio
    api, box = deps.composio(), deps.box()
    with composio_errors():
        toolkit = await api.get_toolkit(command.toolkit_slug)
        if toolkit is None:
            raise NotFound(f"Toolkit '{command.toolkit_slug}' not found")
        if command.use_custom_auth and command.custom_auth_config:
            auth_config_id = await api.create_auth_config(command.toolkit_slug, command.custom_auth_config)
        else:
            auth_config_id = await api.find_managed_auth_config(command.toolkit_slug) or await api.create_auth_config(
                command.toolkit_slug
            )
        request = await api.create_connected_account(
            auth_config_id,
            command.user_id,
            redirect_url=command.redirect_url,
            initiation_params=command.initiation_params,
        )
    config = rules.connection_config(
        request.id,
        [],
        initiation_params=command.initiation_params,
        custom_auth_config=command.custom_auth_config if command.use_custom_auth else None,
    )
    secret = rules.secret_id(command.profile_id)
    with composio_errors():
        sealed = await box.seal(secret, rules.encode_config(config))
    new = rules.NewProfile(
        user_id=command.user_id,
        profile_id=command.profile_id,
        toolkit_slug=command.toolkit_slug,
        toolkit_name=toolkit.name,
        profile_name=command.profile_name,
        display_name=command.display_name,
        connected_account_id=request.id,
        sealed_config=sealed.ciphertext,
        config_hash=sealed.key_hash,
    )
    try:
        stored = await deps.profiles.update(key, lambda state: rules.create(state, new), key=command.command_id)
    except DomainError:
        # Lost a race for the name: undo what this attempt made outside the log.
        await _undo_connection(api, box, request.id, secret)
        raise
    created = ProfileCreatedResult(
        profile_id=command.profile_id, redirect_url=request.redirect_url, connection_id=request.id
    )
    return CommandReply.success(stored.position, **created.model_dump())


async def _undo_connection(api: ComposioApi, box: SecretBox, account_id: str, secret: str) -> None:
    try:
        await api.delete_connected_account(account_id)
        await box.destroy(secret)
    except Exception:
        logger.warning("could not undo connection %s of a refused profile", account_id, exc_info=True)


async def update_profile(command: UpdateProfile, deps: ComposioDeps) -> CommandReply:
    box = deps.box() if command.enabled_tools is not None else None

    async def decide(state: UserProfiles) -> list[Event]:
        profile = state.owned(command.profile_id)
        sealed_config = config_hash = None
        if command.enabled_tools is not None and box is not None:
            sealed_config, config_hash = await _reseal_tools(box, profile, command.enabled_tools)
        changes = rules.ProfileChanges(
            profile_name=command.profile_name,
            display_name=command.display_name,
            is_active=command.is_active,
            is_default=command.is_default,
            is_default_for_dashboard=command.is_default_for_dashboard,
            enabled_tools=tuple(command.enabled_tools) if command.enabled_tools is not None else None,
            sealed_config=sealed_config,
            config_hash=config_hash,
        )
        return rules.update(state, command.profile_id, changes)

    with composio_errors():
        stored = await deps.profiles.update(owner_key(command.user_id), decide, key=command.command_id)
    profile = stored.state.owned(command.profile_id)
    return CommandReply.success(stored.position, enabled_tools=list(profile.enabled_tools))


async def _reseal_tools(box: SecretBox, profile: CredentialProfile, tools: list[str]) -> tuple[str, str]:
    secret = rules.secret_id(profile.profile_id)
    config = rules.decode_config(await box.open(secret, profile.sealed_config))
    config["enabled_tools"] = list(tools)
    sealed = await box.seal(secret, rules.encode_config(config))
    return sealed.ciphertext, sealed.key_hash


async def delete_profiles(command: DeleteProfiles, deps: ComposioDeps) -> CommandReply:
    key = owner_key(command.user_id)
    gone: list[str] = []

    def decide(state: UserProfiles) -> list[Event]:
        events = rules.delete(state, command.profile_ids)
        gone[:] = [event.profile_id for event in events if isinstance(event, CredentialProfileDeleted)]
        return events

    stored = await deps.profiles.update(key, decide, key=command.command_id)
    box = deps.secret_box.get_or_none() if deps.secret_box is not None else None
    for profile_id in gone:
        # After the event: a crash in between leaves a key of a deleted profile, never the reverse.
        if box is not None:
            try:
                await box.destroy(rules.secret_id(profile_id))
            except Exception:
                logger.error("data key of deleted profile %s not destroyed", profile_id, exc_info=True)
    result = DeletedResult(deleted_count=len(gone), requested_count=len(command.profile_ids))
    return CommandReply.success(stored.position, **result.model_dump())


# ---------------------------------------------------------------------------- MCP URLs


async def resolve_mcp_url(api: ComposioApi, profile: CredentialProfile) -> str:
    """The profile's Composio MCP server URL: one server per app, found or created (§14.1)."""
    if profile.mcp_url:
        return profile.mcp_url
    account = await api.get_connected_account(profile.connected_account_id)
    app = (account.toolkit_slug if account else "") or profile.toolkit_slug
    for server in await api.list_mcp_servers(app):
        if app in server.toolkits:
            return server.url
    auth_configs = [account.auth_config_id] if account and account.auth_config_id else []
    server = await api.create_mcp_server(f"{app}-mcp-server", auth_configs, [profile.connected_account_id])
    return server.url


async def mcp_config(command: GetProfileMcpConfig, deps: ComposioDeps) -> CommandReply:
    key = owner_key(command.user_id)
    loaded = await deps.profiles.load(key)
    profile = loaded.state.owned(command.profile_id)
    with composio_errors():
        url = await resolve_mcp_url(deps.composio(), profile)
    stored = await deps.profiles.update(
        key, lambda state: rules.used(state, command.profile_id, url), key=command.command_id
    )
    return CommandReply.success(stored.position, **_config(profile, url).model_dump())


def _config(profile: CredentialProfile, url: str) -> McpConfig:
    return McpConfig(
        profile_id=profile.profile_id,
        profile_name=profile.profile_name,
        toolkit_slug=profile.toolkit_slug,
        mcp_url=url,
        enabled_tools=list(profile.enabled_tools),
    )


async def dashboard_mcp_configs(command: ListDashboardMcpConfigs, deps: ComposioDeps) -> CommandReply:
    loaded = await deps.profiles.load(owner_key(command.user_id))
    api = deps.composio()
    configs: list[McpConfig] = []
    for profile in loaded.state.for_dashboard():
        try:
            configs.append(_config(profile, await resolve_mcp_url(api, profile)))
        except ComposioError as error:
            logger.info("profile %s skipped: %s", profile.profile_id, error.detail)
    return CommandReply.success(loaded.position, **McpConfigList(mcp_configs=configs).model_dump())


async def discover_tools(command: DiscoverProfileTools, deps: ComposioDeps) -> CommandReply:
    """The tools of the profile's toolkit (Composio's REST list) and its MCP URL."""
    loaded = await deps.profiles.load(owner_key(command.user_id))
    profile = loaded.state.owned(command.profile_id)
    api = deps.composio()
    with composio_errors():
        url = await resolve_mcp_url(api, profile)
        tools = await api.list_tools(profile.toolkit_slug, limit=200)
    return CommandReply.success(loaded.position, **ToolList(tools=tools, mcp_url=url).model_dump())


async def run_servers(command: GetRunMcpServers, deps: ComposioDeps) -> CommandReply:
    """The MCP servers of a run: active dashboard-default profiles, with their secret headers.

    A profile whose config cannot be opened or whose URL cannot be found is left out (the run
    goes on without it); without Composio or the secrets box there are none.
    """
    loaded = await deps.profiles.load(owner_key(command.user_id))
    chosen = loaded.state.for_dashboard()
    if not chosen or deps.api is None or deps.secret_box is None:
        return CommandReply.success(loaded.position, **McpServerList(servers=[]).model_dump())
    api, box = deps.api, deps.box()
    api_key = deps.settings.api_key.get_secret_value() if deps.settings.api_key else ""

    async def server_of(profile: CredentialProfile) -> McpServer | None:
        try:
            config = rules.decode_config(await box.open(rules.secret_id(profile.profile_id), profile.sealed_config))
            url = await resolve_mcp_url(api, profile)
        except Exception as error:  # one bad profile must not cost the run its other servers
            logger.warning("profile %s left out of the run: %s", profile.profile_id, type(error).__name__)
            return None
        account = str(config.get("connected_account_id") or profile.connected_account_id)
        return McpServer(
            profile_id=profile.profile_id,
            toolkit_slug=profile.toolkit_slug,
            url=with_query(url, user_id=command.user_id, include_composio_helper_actions="true"),
            headers={
                "x-api-key": api_key,
                "x-composio-connected-account-id": account,
                "x-composio-entity-id": command.user_id,
            },
            enabled_tools=[str(tool) for tool in config.get("enabled_tools") or []],
        )

    # Every profile at once: a run's start waits for the slowest, not the sum.
    found = await asyncio.gather(*(server_of(profile) for profile in chosen))
    servers = [server for server in found if server is not None]
    return CommandReply.success(loaded.position, **McpServerList(servers=servers).model_dump())


def with_query(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit(parts._replace(query=query))
