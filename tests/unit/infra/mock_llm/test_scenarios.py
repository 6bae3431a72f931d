"""The mock model's answers depend only on the conversation: the same request, the same reply."""

from __future__ import annotations

import json
from typing import Any

from cheatcode_infra.mock_llm.scenarios import HELLO_FILE, RESULT_FILE, next_reply


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def tool(call_id: str, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def test_default_scenario_walks_create_execute_read_complete() -> None:
    conversation: list[dict[str, Any]] = [{"role": "system", "content": "be helpful"}, user("build me an app")]
    names = []
    for step in range(4):
        reply = next_reply(conversation)
        assert reply.text and reply.finish_reason == "tool_calls"
        (call,) = reply.tool_calls
        names.append(call.name)
        conversation.append({"role": "assistant", "content": reply.text, "tool_calls": []})
        result = json.dumps({"output": {"content": "HELLO"}}) if call.name == "read_file" else "ok"
        conversation.append(tool(call.id, result))
        assert call.id == f"call_default_{step}"
    assert names == ["create_file", "execute_command", "read_file", "complete"]
    assert next_reply(conversation[:-2]).tool_calls[0].arguments["message"].endswith("HELLO")
    assert next_reply(conversation).finish_reason == "stop"


def test_default_scenario_files_and_command() -> None:
    first = next_reply([user("go")]).tool_calls[0]
    assert first.arguments["file_path"] == HELLO_FILE
    second = next_reply([user("go"), tool("a", "ok")]).tool_calls[0]
    assert HELLO_FILE in second.arguments["command"] and RESULT_FILE in second.arguments["command"]


def test_a_new_user_message_restarts_the_scenario() -> None:
    old = [user("first"), tool("a", "ok"), tool("b", "ok")]
    assert next_reply([*old, user("again")]).tool_calls[0].name == "create_file"


def test_directives_select_scenarios() -> None:
    long = next_reply([user("[mock:long:5:20] talk")])
    assert len(long.chunks) == 5 and long.chunk_delay == 0.02 and not long.tool_calls
    assert len(next_reply([user("[mock:long]")]).chunks) * next_reply([user("[mock:long]")]).chunk_delay >= 120
    assert next_reply([user("[mock:fail]")]).http_error == 500
    assert next_reply([user("[mock:fail-stream]")]).stream_error_after == 3
    assert next_reply([user("[mock:echo] hello there")]).text == "hello there"
    assert next_reply([user([{"type": "text", "text": "[mock:ask]"}])]).tool_calls[0].name == "ask"  # type: ignore[arg-type]


def test_tools_tour_calls_each_tool_once_then_completes() -> None:
    conversation: list[dict[str, Any]] = [user("[mock:tools]")]
    names = []
    while (reply := next_reply(conversation)).tool_calls:
        names.append(reply.tool_calls[0].name)
        conversation.append(tool(reply.tool_calls[0].id, "ok"))
    assert names[-1] == "complete" and len(set(names)) == len(names) == 9
