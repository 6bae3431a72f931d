"""``/api/composio/*`` and ``/api/composio-secure/*`` over HTTP: API + integrations service + doubles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_integrations.config import ComposioSettings, Settings as IntegrationsSettings
from cheatcode_integrations.entrypoint.app import register_composio
from cheatcode_integrations.entrypoint.bootstrap import build as build_integrations
from cheatcode_runtime.nats import NatsSettings
from cheatcode_runtime.secrets import generate_master_key
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble
from tests.support.composio_stack import Doubles, composio_doubles
from tests.support.requests import request_when_ready

pytestmark = pytest.mark.integration

SECRET = "sk-initiation-secret-0xC0FFEE"


# The integrations service answers fixed subjects: this module gets a NATS server of its own.
@pytest.fixture(scope="module")
def nats_server(own_nats_server: NatsServer) -> NatsServer:
    return own_nats_server


@pytest.fixture(scope="module")
def nats_client(own_nats_client: Client) -> Client:
    return own_nats_client


@pytest.fixture(scope="module")
async def doubles() -> AsyncIterator[Doubles]:
    async with composio_doubles() as running:
        yield running


@pytest.fixture(scope="module")
async def integrations(nats_server: NatsServer, nats_client: Client, doubles: Doubles) -> AsyncIterator[None]:
    settings = IntegrationsSettings(
        instance_id="integrations-for-api",
        nats=NatsSettings(url=nats_server.url),
        composio=ComposioSettings(api_key=SecretStr(doubles.api_key), base_url=doubles.composio_url, retries=1),
        encryption_key=SecretStr(generate_master_key()),
    )
    host = build_integrations(settings, registrations=(register_composio,))
    await host.app.start()
    await request_when_ready(nats_client, ping_subject("integrations"), b"")
    yield
    await host.app.stop()


@pytest.fixture(scope="module")
async def api(
    integrations: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (client, _):
        yield client


def user() -> tuple[str, dict[str, str]]:
    name = f"user_{uuid4().hex[:8]}"
    return name, token(name)


async def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def create(api: httpx.AsyncClient, auth: dict[str, str], name: str, toolkit: str = "github") -> Any:
    body = {"toolkit_slug": toolkit, "profile_name": name, "initiation_params": {"api_key": SECRET}}
    return await ok(await api.post("/api/composio/profiles", json=body, headers=auth))


async def test_catalog_routes_need_no_token(api: httpx.AsyncClient) -> None:
    health = await ok(await api.get("/api/composio/health"))
    assert health == {"status": "healthy", "connected": True, "api_key_configured": True}
    categories = await ok(await api.get("/api/composio/categories"))
    assert len(categories["categories"]) == 16 and categories["success"] is True
    page = await ok(await api.get("/api/composio/toolkits", params={"limit": 500}))
    assert [t["slug"] for t in page["toolkits"][:3]] == ["github", "slack", "gmail"]
    assert len(page["toolkits"]) == page["total"] <= 100
    github = page["toolkits"][0]
    assert set(github) == {
        "slug", "name", "description", "icon_url", "categories", "auth_schemes",
        "connected_account_initiation_fields", "auth_config_details", "enabled",
    }  # fmt: skip
    found = await ok(await api.get("/api/composio/toolkits", params={"search": "git"}))
    assert [t["slug"] for t in found["toolkits"]] == ["github"]
    storage = await ok(await api.get("/api/composio/toolkits", params={"category": "storage"}))
    assert {t["slug"] for t in storage["toolkits"]} == {"google_drive", "dropbox", "box"}
    missing = await api.get("/api/composio/toolkits/nope/details")
    assert missing.status_code == 404 and missing.json() == {"detail": "Toolkit 'nope' not found"}
    jira = await ok(await api.get("/api/composio/toolkits/jira/details"))
    assert jira["toolkit"]["connected_account_initiation_fields"][0]["name"] == "subdomain"
    icon = await ok(await api.get("/api/composio/toolkits/slack/icon"))
    assert icon == {"success": True, "icon_url": "https://logos.composio.dev/api/slack"}


async def test_profiles_lifecycle_and_read_your_writes(api: httpx.AsyncClient, doubles: Doubles) -> None:
    _, auth = user()
    assert (await api.get("/api/composio/profiles", headers={})).status_code == 401
    created = await create(api, auth, "Work")
    assert created["redirect_url"].endswith(created["connection_id"])
    assert created["message"] == "Profile created. Complete OAuth to activate."
    profile_id = created["profile_id"]
    taken = await api.post(
        "/api/composio/profiles", json={"toolkit_slug": "github", "profile_name": "Work"}, headers=auth
    )
    assert taken.status_code == 400 and taken.json() == {"detail": "Profile name 'Work' already exists for github"}

    got = (await ok(await api.get(f"/api/composio/profiles/{profile_id}", headers=auth)))["profile"]
    assert (got["is_active"], got["is_default"], got["is_default_for_dashboard"], got["is_connected"]) == (True,) * 4
    assert got["mcp_qualified_name"] == "composio:github" and got["display_name"] == "GitHub - Work"
    second = await create(api, auth, "Home")
    listed = await ok(await api.get("/api/composio/profiles", params={"toolkit_slug": "github"}, headers=auth))
    assert [p["profile_id"] for p in listed["profiles"]] == [second["profile_id"], profile_id] and listed["count"] == 2
    name = {"toolkit_slug": "github", "profile_name": "Work"}
    assert (await ok(await api.get("/api/composio/profiles/check-name-availability", params=name, headers=auth))) == {
        "success": True,
        "available": False,
    }

    tools = await api.put(f"/api/composio/profiles/{profile_id}/tools", json=["lookup_order"], headers=auth)
    assert (await ok(tools)) == {"success": True, "enabled_tools": ["lookup_order"]}
    again = (await ok(await api.get(f"/api/composio/profiles/{profile_id}", headers=auth)))["profile"]
    assert again["enabled_tools"] == ["lookup_order"]

    # Defaults move to the second profile; the first loses them.
    sid = second["profile_id"]
    secure = "/api/composio-secure/credential-profiles"
    assert (await ok(await api.put(f"{secure}/{sid}/set-default", headers=auth)))[
        "message"
    ] == "Default profile updated"
    await ok(await api.put(f"{secure}/{sid}/set-dashboard-default", headers=auth))
    first = (await ok(await api.get(f"/api/composio/profiles/{profile_id}", headers=auth)))["profile"]
    assert (first["is_default"], first["is_default_for_dashboard"]) == (False, False)
    toggled = await ok(await api.put(f"{secure}/{sid}/toggle-active", params={"is_active": "false"}, headers=auth))
    assert toggled == {"success": True, "profile_id": sid, "is_active": False}
    assert (await api.put(f"{secure}/{sid}/toggle-active", headers=auth)).status_code == 422
    dashboard = await ok(await api.get("/api/composio-secure/dashboard-profiles", headers=auth))
    assert dashboard["count"] == 0  # the dashboard default is inactive now
    await ok(await api.put(f"/api/composio/profiles/{sid}", json={"is_active": True}, headers=auth))
    dashboard = await ok(await api.get("/api/composio-secure/dashboard-profiles", headers=auth))
    assert [p["profile_id"] for p in dashboard["profiles"]] == [sid]

    grouped = await ok(await api.get("/api/composio-secure/composio-profiles", headers=auth))
    assert grouped["total_profiles"] == 2 and grouped["toolkits"][0]["toolkit_name"] == "Github"

    mcp = await ok(await api.get(f"/api/composio/profiles/{profile_id}/mcp-config", headers=auth))
    assert mcp == {"success": True, "mcp_url": doubles.mcp_url, "app_name": "github", "enabled_tools": ["lookup_order"]}
    used = (await ok(await api.get(f"/api/composio/profiles/{profile_id}", headers=auth)))["profile"]
    assert used["last_used_at"] is not None
    url = await ok(await api.get(f"/api/composio-secure/composio-profiles/{sid}/mcp-url", headers=auth))
    assert url["mcp_url"] == doubles.mcp_url and url["profile_name"] == "Home"
    urls = await ok(await api.get("/api/composio-secure/dashboard-mcp-urls", headers=auth))
    assert [c["profile_id"] for c in urls["mcp_configs"]] == [sid] and urls["count"] == 1

    # Connections: status follows the double; deletion is idempotent.
    cid = created["connection_id"]
    status = await ok(await api.get(f"/api/composio/connections/status/{cid}", headers=auth))
    assert status["status"] == "INITIATED" and status["connected_account_id"] is None
    async with httpx.AsyncClient() as browser:  # the OAuth consent completes
        assert (await browser.get(created["redirect_url"])).status_code == 200
    status = await ok(await api.get(f"/api/composio/connections/status/{cid}", headers=auth))
    assert status["status"] == "ACTIVE" and status["connected_account_id"] == cid
    connections = await ok(await api.get("/api/composio/connections", headers=auth))
    assert connections["count"] == 2

    deleted = await ok(await api.delete(f"/api/composio/profiles/{profile_id}", headers=auth))
    assert deleted == {"success": True, "message": "Profile deleted"}
    assert (await api.get(f"/api/composio/profiles/{profile_id}", headers=auth)).status_code == 404
    bulk = await ok(await api.post(f"{secure}/bulk-delete", json={"profile_ids": [sid, profile_id]}, headers=auth))
    assert bulk == {"success": True, "deleted_count": 1, "requested_count": 2}
    assert (await ok(await api.get("/api/composio/profiles", headers=auth)))["count"] == 0
    for _ in range(2):
        gone = await ok(await api.delete(f"/api/composio/connections/{cid}", headers=auth))
        assert gone == {"success": True, "message": "Connection deleted"}


async def test_another_user_gets_404_on_every_profile_and_connection_route(api: httpx.AsyncClient) -> None:
    _, alice = user()
    _, bob = user()
    made = await create(api, alice, "Mine")
    pid, cid = made["profile_id"], made["connection_id"]
    secure = "/api/composio-secure"
    attempts = [
        ("GET", f"/api/composio/profiles/{pid}", None),
        ("PUT", f"/api/composio/profiles/{pid}", {"is_active": False}),
        ("DELETE", f"/api/composio/profiles/{pid}", None),
        ("GET", f"/api/composio/profiles/{pid}/mcp-config", None),
        ("POST", f"/api/composio/discover-tools/{pid}", None),
        ("PUT", f"/api/composio/profiles/{pid}/tools", ["x"]),
        ("GET", f"/api/composio/connections/status/{cid}", None),
        ("DELETE", f"/api/composio/connections/{cid}", None),
        ("GET", f"{secure}/composio-profiles/{pid}/mcp-url", None),
        ("DELETE", f"{secure}/credential-profiles/{pid}", None),
        ("PUT", f"{secure}/credential-profiles/{pid}/set-default", None),
        ("PUT", f"{secure}/credential-profiles/{pid}/set-dashboard-default", None),
        ("PUT", f"{secure}/credential-profiles/{pid}/toggle-active?is_active=false", None),
    ]
    for method, path, body in attempts:
        response = await api.request(method, path, json=body, headers=bob)
        assert response.status_code == 404, (method, path, response.text)
        assert pid not in response.text and SECRET not in response.text
    bulk = await ok(
        await api.post(f"{secure}/credential-profiles/bulk-delete", json={"profile_ids": [pid]}, headers=bob)
    )
    assert bulk["deleted_count"] == 0
    for path in ("/api/composio/profiles", f"{secure}/composio-profiles", f"{secure}/dashboard-profiles"):
        assert pid not in (await api.get(path, headers=bob)).text
    assert (await ok(await api.get(f"/api/composio/profiles/{pid}", headers=alice)))["profile"]["is_active"] is True
    connections = await ok(await api.get("/api/composio/connections", headers=bob))
    assert connections["count"] == 0


async def test_no_response_holds_the_connection_config(api: httpx.AsyncClient, nats_client: Client) -> None:
    _, auth = user()
    made = await create(api, auth, "Secretive")
    bodies = [
        (await api.get(path, headers=auth)).text
        for path in (
            "/api/composio/profiles",
            f"/api/composio/profiles/{made['profile_id']}",
            "/api/composio-secure/composio-profiles",
            "/api/composio-secure/dashboard-mcp-urls",
        )
    ]
    assert all(SECRET not in body for body in bodies)
    info = await nats_client.jetstream().stream_info("EVENTS")
    for seq in range(max(1, info.state.last_seq - 200), info.state.last_seq + 1):
        message = await nats_client.jetstream().get_msg("EVENTS", seq)
        assert message.data is None or SECRET.encode() not in message.data
