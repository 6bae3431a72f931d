"""The integrations service's Composio commands over real NATS, against the Composio double."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_contracts import Command, CommandReply, ErrorCode, build_registry, composio as c
from cheatcode_contracts.subjects import aggregate_subject, ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_integrations.config import ComposioSettings, Settings
from cheatcode_integrations.entrypoint.app import register_composio
from cheatcode_integrations.entrypoint.bootstrap import build
from cheatcode_runtime.eventstore import JetStreamEventStore
from cheatcode_runtime.nats import NatsSettings
from cheatcode_runtime.secrets import generate_master_key
from tests.support.composio_stack import Doubles, composio_doubles
from tests.support.requests import request_when_ready, send_command

pytestmark = pytest.mark.integration

SECRET = "sk-live-initiation-secret-4711"


@pytest.fixture(scope="module")
def nats_server(own_nats_server: NatsServer) -> NatsServer:
    return own_nats_server


@pytest.fixture(scope="module")
def nats_client(own_nats_client: Client) -> Client:
    return own_nats_client


@pytest.fixture
async def doubles() -> AsyncIterator[Doubles]:
    async with composio_doubles() as running:
        yield running


def settings(nats_server: NatsServer, doubles: Doubles | None, *, key: bool = True) -> Settings:
    composio = ComposioSettings(
        api_key=SecretStr(doubles.api_key) if doubles else None,
        base_url=doubles.composio_url if doubles else "http://127.0.0.1:1",
        retries=1,
        toolkit_cache_bucket=f"toolkits_{uuid4().hex[:8]}",
    )
    return Settings(
        instance_id="integrations-test",
        nats=NatsSettings(url=nats_server.url),
        composio=composio,
        encryption_key=SecretStr(generate_master_key()) if key else None,
    )


@pytest.fixture
async def service(nats_server: NatsServer, nats_client: Client, doubles: Doubles) -> AsyncIterator[None]:
    host = build(settings(nats_server, doubles), registrations=(register_composio,))
    await host.app.start()
    await request_when_ready(nats_client, ping_subject("integrations"), b"")
    yield
    await host.app.stop()


async def ok(client: Client, command: Command) -> CommandReply:
    reply = await send_command(client, command, wait=20)
    assert reply.ok, reply.error
    return reply


def user() -> str:
    return f"user_{uuid4().hex[:8]}"


async def create(client: Client, user_id: str, name: str, toolkit: str = "github", **extra: object) -> CommandReply:
    command = c.CreateProfile(
        user_id=user_id, profile_id=str(uuid4()), toolkit_slug=toolkit, profile_name=name, **extra
    )
    return await send_command(client, command, wait=20)


async def test_toolkits_are_sorted_filtered_and_cached(service: None, nats_client: Client, doubles: Doubles) -> None:
    first = c.ToolkitPage.model_validate((await ok(nats_client, c.ListToolkits(limit=5))).result)
    assert [t.slug for t in first.toolkits] == ["github", "slack", "gmail", "notion", "linear"]
    assert first.next_cursor == "5" and first.total > 30
    calls = len(doubles.composio.requests)
    found = c.ToolkitPage.model_validate((await ok(nats_client, c.ListToolkits(search="mail"))).result)
    assert [t.slug for t in found.toolkits] == ["gmail", "mailchimp", "outlook"]  # name, slug, description
    crm = c.ToolkitPage.model_validate((await ok(nats_client, c.ListToolkits(category="crm"))).result)
    assert {t.slug for t in crm.toolkits} == {"hubspot", "salesforce", "intercom"}
    assert len(doubles.composio.requests) == calls  # served from the KV cache
    missing = await send_command(nats_client, c.GetToolkit(slug="nope"), wait=20)
    assert missing.error is not None and missing.error.code is ErrorCode.NOT_FOUND
    assert missing.error.detail == "Toolkit 'nope' not found"


async def test_profiles_follow_the_rules_and_keep_the_config_sealed(
    service: None, nats_client: Client, doubles: Doubles
) -> None:
    alice = user()
    created = await create(nats_client, alice, "Work", redirect_url="http://app/done", initiation_params={"k": SECRET})
    assert created.ok, created.error
    result = c.ProfileCreatedResult.model_validate(created.result)
    assert result.redirect_url and result.connection_id in result.redirect_url
    assert doubles.composio.accounts[result.connection_id]["user_id"] == alice
    again = await create(nats_client, alice, "Work")
    assert again.error is not None and again.error.code is ErrorCode.INVALID
    assert again.error.detail == "Profile name 'Work' already exists for github"
    second = await create(nats_client, alice, "Home")
    assert second.ok

    events = JetStreamEventStore(nats_client.jetstream(), build_registry())
    history = await events.load(aggregate_subject(c.PROFILES, c.owner_key(alice)))
    first_event, second_event = (stored.event for stored in history.events)
    assert isinstance(first_event, c.CredentialProfileCreated) and isinstance(second_event, c.CredentialProfileCreated)
    assert (first_event.is_default, first_event.is_default_for_dashboard) == (True, True)
    assert (second_event.is_default, second_event.is_default_for_dashboard) == (False, False)
    raw = await nats_client.jetstream().get_last_msg("EVENTS", aggregate_subject(c.PROFILES, c.owner_key(alice)))
    assert raw.data is not None and SECRET.encode() not in raw.data and SECRET not in first_event.model_dump_json()

    # Tools: re-sealed, the run's servers get them; the agent's view holds the headers.
    tools = c.UpdateProfile(user_id=alice, profile_id=first_event.profile_id, enabled_tools=["lookup_order"])
    assert (await ok(nats_client, tools)).result == {"enabled_tools": ["lookup_order"]}
    servers = c.McpServerList.model_validate((await ok(nats_client, c.GetRunMcpServers(user_id=alice))).result)
    [server] = servers.servers
    assert server.url.startswith(doubles.mcp_url + "?") and f"user_id={alice}" in server.url
    assert "include_composio_helper_actions=true" in server.url
    assert server.headers == {
        "x-api-key": doubles.api_key,
        "x-composio-connected-account-id": result.connection_id,
        "x-composio-entity-id": alice,
    }
    assert server.enabled_tools == ["lookup_order"]


async def test_another_users_ids_are_not_found(service: None, nats_client: Client) -> None:
    alice, bob = user(), user()
    made = c.ProfileCreatedResult.model_validate((await create(nats_client, alice, "Work")).result)
    for command in (
        c.UpdateProfile(user_id=bob, profile_id=made.profile_id, is_active=False),
        c.GetProfileMcpConfig(user_id=bob, profile_id=made.profile_id),
        c.DiscoverProfileTools(user_id=bob, profile_id=made.profile_id),
        c.GetConnectionStatus(user_id=bob, connection_id=made.connection_id),
        c.DeleteConnection(user_id=bob, connection_id=made.connection_id),
    ):
        reply = await send_command(nats_client, command, wait=20)
        assert reply.error is not None and reply.error.code is ErrorCode.NOT_FOUND, command
    deleted = await ok(nats_client, c.DeleteProfiles(user_id=bob, profile_ids=[made.profile_id]))
    assert deleted.result == {"deleted_count": 0, "requested_count": 1}
    status = await ok(nats_client, c.GetConnectionStatus(user_id=alice, connection_id=made.connection_id))
    assert status.result["status"] == "INITIATED"


async def test_connection_status_mcp_urls_and_deletion(service: None, nats_client: Client, doubles: Doubles) -> None:
    alice = user()
    github = c.ProfileCreatedResult.model_validate((await create(nats_client, alice, "Work")).result)
    slack = c.ProfileCreatedResult.model_validate((await create(nats_client, alice, "Chat", toolkit="slack")).result)
    doubles.composio.accounts[github.connection_id]["status"] = "ACTIVE"
    status = await ok(nats_client, c.GetConnectionStatus(user_id=alice, connection_id=github.connection_id))
    assert status.result["status"] == "ACTIVE" and status.result["connected_account_id"] == github.connection_id

    config = await ok(nats_client, c.GetProfileMcpConfig(user_id=alice, profile_id=github.profile_id))
    assert config.result["mcp_url"] == doubles.mcp_url and config.position > 0
    dashboard = c.McpConfigList.model_validate((await ok(nats_client, c.ListDashboardMcpConfigs(user_id=alice))).result)
    assert {m.profile_id for m in dashboard.mcp_configs} == {github.profile_id, slack.profile_id}

    listed = await ok(nats_client, c.ListConnections(user_id=alice))
    assert {item["id"] for item in listed.result["connections"]} == {github.connection_id, slack.connection_id}
    await ok(nats_client, c.DeleteConnection(user_id=alice, connection_id=slack.connection_id))
    await ok(nats_client, c.DeleteConnection(user_id=alice, connection_id=slack.connection_id))  # gone: still fine

    bulk = c.DeleteProfiles(user_id=alice, profile_ids=[github.profile_id, slack.profile_id, "unknown"])
    assert (await ok(nats_client, bulk)).result == {"deleted_count": 2, "requested_count": 3}
    servers = c.McpServerList.model_validate((await ok(nats_client, c.GetRunMcpServers(user_id=alice))).result)
    assert servers.servers == []


async def test_without_an_api_key_health_says_so_and_composio_commands_are_unavailable(
    nats_server: NatsServer, nats_client: Client
) -> None:
    host = build(settings(nats_server, None), registrations=(register_composio,))
    await host.app.start()
    try:
        health = await ok(nats_client, c.GetComposioHealth())
        assert health.result == {
            "status": "error",
            "connected": False,
            "api_key_configured": False,
            "error": "COMPOSIO_API_KEY not set",
        }
        listing = await send_command(nats_client, c.ListToolkits(), wait=20)
        assert listing.error is not None and listing.error.code is ErrorCode.UNAVAILABLE
        assert "COMPOSIO_API_KEY" in listing.error.detail
    finally:
        await host.app.stop()
