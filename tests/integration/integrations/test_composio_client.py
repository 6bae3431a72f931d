"""The real Composio HTTP client against the Composio double (v3 paths, x-api-key, JSON shapes)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cheatcode_integrations.adapters.composio_http import ComposioHttpApi
from cheatcode_integrations.ports.composio import ComposioError, ComposioUnavailableError
from tests.support.composio_stack import Doubles, composio_doubles

pytestmark = pytest.mark.integration


@pytest.fixture
async def doubles() -> AsyncIterator[Doubles]:
    async with composio_doubles() as running:
        yield running


@pytest.fixture
async def api(doubles: Doubles) -> AsyncIterator[ComposioHttpApi]:
    client = ComposioHttpApi(doubles.api_key, doubles.composio_url, timeout=5, retries=2, backoff=0.01)
    yield client
    await client.close()


async def test_toolkits_are_listed_page_by_page_with_the_cursor(api: ComposioHttpApi) -> None:
    first = await api.list_toolkits(limit=10)
    assert len(first.items) == 10 and first.next_cursor
    seen = [t.slug for t in first.items]
    cursor: str | None = first.next_cursor
    while cursor:
        page = await api.list_toolkits(cursor=cursor, limit=10)
        seen += [t.slug for t in page.items]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) > 30 and "github" in seen
    github = first.items[0]
    assert github.name == "GitHub" and github.icon_url and github.categories == ["Development"]


async def test_one_toolkit_with_its_initiation_fields_or_none(api: ComposioHttpApi) -> None:
    jira = await api.get_toolkit("jira")
    assert jira is not None and [f.name for f in jira.connected_account_initiation_fields] == ["subdomain"]
    assert jira.connected_account_initiation_fields[0].required
    assert await api.get_toolkit("no_such_toolkit") is None


async def test_the_oauth_flow_auth_config_connection_and_mcp_server(api: ComposioHttpApi, doubles: Doubles) -> None:
    assert await api.find_managed_auth_config("slack") is None
    config_id = await api.create_auth_config("slack")
    assert await api.find_managed_auth_config("slack") == config_id
    request = await api.create_connected_account(config_id, "alice", redirect_url="http://app.local/done")
    assert request.status == "INITIATED" and request.redirect_url and request.id in request.redirect_url
    account = await api.get_connected_account(request.id)
    assert account is not None and (account.user_id, account.toolkit_slug) == ("alice", "slack")
    assert [a.id for a in await api.list_connected_accounts("alice")] == [request.id]
    assert await api.list_connected_accounts("bob") == []
    assert await api.list_mcp_servers("slack") == []
    server = await api.create_mcp_server("slack-mcp-server", [config_id], [request.id])
    assert server.toolkits == ("slack",) and server.url.endswith(f"/v3/mcp/{server.id}")
    assert [s.id for s in await api.list_mcp_servers("slack")] == [server.id]
    github = await api.create_mcp_server("github-mcp-server", [await api.create_auth_config("github")], [])
    assert github.url == doubles.mcp_url  # the double points github at the live MCP server


async def test_deleting_a_connection_twice_counts_as_deleted(api: ComposioHttpApi) -> None:
    request = await api.create_connected_account(await api.create_auth_config("gmail"), "alice")
    await api.delete_connected_account(request.id)
    await api.delete_connected_account(request.id)  # Composio's 404: already gone
    assert await api.get_connected_account(request.id) is None


async def test_tools_of_a_toolkit(api: ComposioHttpApi) -> None:
    tools = await api.list_tools("github", limit=2)
    assert [t.name for t in tools] == ["GITHUB_LIST_ITEMS", "GITHUB_GET_ITEM"]
    assert tools[1].input_schema["required"] == ["item_id"]


async def test_429_and_5xx_are_retried_then_reported_as_unavailable(api: ComposioHttpApi, doubles: Doubles) -> None:
    doubles.composio.faults.extend([429, 503])
    assert (await api.list_toolkits(limit=1)).items  # two failures, then the third attempt
    doubles.composio.faults.extend([502, 502, 502])
    with pytest.raises(ComposioUnavailableError, match="502"):
        await api.list_toolkits(limit=1)


async def test_a_wrong_key_and_a_refusal_are_clear_errors(doubles: Doubles) -> None:
    wrong = ComposioHttpApi("wrong-key", doubles.composio_url, retries=0)
    try:
        with pytest.raises(ComposioError, match="COMPOSIO_API_KEY") as refused:
            await wrong.list_toolkits()
        assert refused.value.status == 401
    finally:
        await wrong.close()
    right = ComposioHttpApi(doubles.api_key, doubles.composio_url, retries=0)
    try:
        with pytest.raises(ComposioError, match="Auth config nope not found"):
            await right.create_connected_account("nope", "alice")
    finally:
        await right.close()


async def test_an_unreachable_host_is_unavailable() -> None:
    api = ComposioHttpApi("k", "http://127.0.0.1:1", retries=1, backoff=0.01, timeout=2)
    try:
        with pytest.raises(ComposioUnavailableError, match="unreachable"):
            await api.list_toolkits()
    finally:
        await api.close()
