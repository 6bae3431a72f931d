"""``[mock:mcp]``: call the first non-built-in tool with its required arguments, then complete quoting it."""

from __future__ import annotations

from typing import Any

from cheatcode_agent.tools import default_toolbox
from cheatcode_infra.mock_llm.scenarios import BUILTIN_TOOLS, next_reply


def function(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": "", "parameters": parameters}}


TOOLS = [
    function(
        "read_file", {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}
    ),
    function(
        "lookup_order",
        {
            "type": "object",
            "properties": {"order_id": {"type": "string"}, "qty": {"type": "integer"}, "note": {"type": "string"}},
            "required": ["order_id", "qty"],
        },
    ),
    function("add_numbers", {"type": "object", "properties": {}, "required": []}),
]


def test_it_calls_the_first_mcp_tool_with_required_fields_filled() -> None:
    reply = next_reply([{"role": "user", "content": "use it [mock:mcp]"}], TOOLS)
    [call] = reply.tool_calls
    assert (call.name, call.arguments) == ("lookup_order", {"order_id": "test", "qty": 1})


def test_then_it_completes_quoting_the_result() -> None:
    messages = [
        {"role": "user", "content": "[mock:mcp]"},
        {"role": "assistant", "content": "", "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_mcp_0", "content": "Order test: shipped"},
    ]
    [call] = next_reply(messages, TOOLS).tool_calls
    assert call.name == "complete" and "Order test: shipped" in call.arguments["message"]


def test_without_an_mcp_tool_it_says_so() -> None:
    [call] = next_reply([{"role": "user", "content": "[mock:mcp]"}], TOOLS[:1]).tool_calls
    assert call.name == "complete" and "No MCP tool" in call.arguments["message"]


def test_the_mock_knows_every_built_in_tool_of_the_agent() -> None:
    assert {spec.name for spec in default_toolbox().specs} <= BUILTIN_TOOLS
