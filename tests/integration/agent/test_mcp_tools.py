"""MCP tools of a run: the real Streamable HTTP client against the MCP double, through the ToolBox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cheatcode_agent.adapters.mcp_client import StreamableHttpMcp
from cheatcode_agent.domain.conversation import ToolCall
from cheatcode_agent.ports.mcp import McpServerSource
from cheatcode_agent.tools import ToolContext, default_toolbox
from cheatcode_agent.tools.mcp import McpTools
from cheatcode_contracts.composio import McpServer
from cheatcode_infra.doubles.mcp_server import HeaderRecorder, build_app, order_text
from cheatcode_infra.doubles.serving import BackgroundServer

pytestmark = pytest.mark.integration


class Servers(McpServerSource):
    """What the integrations service would answer for the user."""

    def __init__(self, *servers: McpServer) -> None:
        self.servers = list(servers)

    async def servers_for(self, user_id: str) -> list[McpServer]:
        return self.servers


@pytest.fixture
async def mcp() -> AsyncIterator[tuple[str, HeaderRecorder]]:
    app = build_app()
    server = BackgroundServer(app)
    await server.start()
    yield f"{server.url}/mcp", app
    await server.stop()


def server(
    url: str, toolkit: str = "github", tools: tuple[str, ...] = (), headers: dict[str, str] | None = None
) -> McpServer:
    return McpServer(
        profile_id=f"p-{toolkit}", toolkit_slug=toolkit, url=url, headers=headers or {}, enabled_tools=list(tools)
    )


CONTEXT = ToolContext(sandbox=None, sandbox_id="s", app_type="web", timeout=10)  # type: ignore[arg-type]


async def test_a_servers_tools_are_offered_and_called_over_mcp(mcp: tuple[str, HeaderRecorder]) -> None:
    url, app = mcp
    tools = McpTools(Servers(server(f"{url}?user_id=u1", headers={"x-api-key": "k1"})), StreamableHttpMcp())
    base = default_toolbox()
    async with tools.for_run("u1", base.names) as extra:
        box = base.with_tools(extra)
        assert {"lookup_order", "add_numbers"} <= set(box.names)
        spec = next(s for s in box.specs if s.name == "lookup_order")
        assert spec.parameters["required"] == ["order_id"]
        result = await box.execute(ToolCall("c1", "lookup_order", {"order_id": "A7"}), CONTEXT)
        assert result.success and result.output == order_text("A7")
        failed = await box.execute(ToolCall("c2", "add_numbers", {"a": "x", "b": 1}), CONTEXT)
        assert not failed.success  # the server's own validation error comes back to the model
    assert any(headers.get("x-api-key") == "k1" for headers in app.seen_headers)
    assert "user_id=u1" in app.seen_queries[0]


async def test_enabled_tools_limit_the_offer_and_clashing_names_get_the_toolkit_prefix(
    mcp: tuple[str, HeaderRecorder],
) -> None:
    url, _ = mcp
    servers = Servers(server(url, "github", ("lookup_order",)), server(url, "shop"))
    async with McpTools(servers, StreamableHttpMcp()).for_run("u1", ["add_numbers"]) as extra:
        assert sorted(tool.name for tool in extra) == ["lookup_order", "shop_add_numbers", "shop_lookup_order"]
        prefixed = next(tool for tool in extra if tool.name == "shop_add_numbers")
        assert prefixed.server_tool == "add_numbers"


async def test_a_dead_server_is_left_out_and_the_others_still_work(mcp: tuple[str, HeaderRecorder]) -> None:
    url, _ = mcp
    servers = Servers(server("http://127.0.0.1:1/mcp", "dead"), server(url, "github"))
    async with McpTools(servers, StreamableHttpMcp(), connect_timeout=5).for_run("u1", []) as extra:
        assert {tool.name for tool in extra} == {"lookup_order", "add_numbers"}


async def test_no_servers_no_tools() -> None:
    async with McpTools(Servers(), StreamableHttpMcp()).for_run("u1", []) as extra:
        assert extra == []
