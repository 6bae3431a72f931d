"""Thread messages become the chat the model reads; tool output is bounded."""

from __future__ import annotations

import json

from cheatcode_agent.domain.conversation import (
    ELIDED,
    ToolCall,
    assistant_content,
    fit_to_context,
    to_chat,
    tool_content,
)
from cheatcode_agent.domain.limits import truncate
from cheatcode_contracts.threads import MessageAdded


def message(kind: str, content: object, *, llm: bool = True) -> MessageAdded:
    return MessageAdded(thread_id="t", message_id=f"m{id(content)}", type=kind, is_llm_message=llm, content=content)  # type: ignore[arg-type]


def test_stored_json_strings_plain_text_and_objects_all_become_chat_messages() -> None:
    call = ToolCall("c1", "read_file", {"file_path": "a"})
    chat = to_chat(
        [
            message("user", json.dumps({"role": "user", "content": "hi"})),
            message("user", "plain words"),
            message("assistant", assistant_content("let me look", (call,))),
            message("tool", tool_content(call, '{"success": true}')),
            message("status", "ignored"),
            message("user", "hidden", llm=False),
        ]
    )
    assert [m["role"] for m in chat] == ["user", "user", "assistant", "tool"]
    assert chat[0]["content"] == "hi" and chat[1]["content"] == "plain words"
    assert chat[2]["tool_calls"][0]["function"] == {"name": "read_file", "arguments": '{"file_path": "a"}'}
    assert chat[3] == {"role": "tool", "tool_call_id": "c1", "name": "read_file", "content": '{"success": true}'}


def test_tool_calls_without_results_are_dropped() -> None:
    answered, dangling = ToolCall("c1", "a", {}), ToolCall("c2", "b", {})
    chat = to_chat(
        [
            message("assistant", assistant_content("two calls", (answered, dangling))),
            message("tool", tool_content(answered, "ok")),
            message("assistant", assistant_content("stopped mid-tool", (dangling,))),
        ]
    )
    assert [c["id"] for c in chat[0]["tool_calls"]] == ["c1"]
    assert "tool_calls" not in chat[2]


def test_truncate_keeps_head_and_tail() -> None:
    assert truncate("short", 10) == ("short", False)
    text, cut = truncate("A" * 100 + "END", 30)
    assert cut and text.startswith("A" * 20) and text.endswith("END") and "truncated" in text


def test_oldest_tool_output_is_elided_first_to_fit_the_context() -> None:
    chat = [
        {"role": "system", "content": "s" * 50},
        {"role": "user", "content": "u" * 50},
        {"role": "tool", "tool_call_id": "a", "content": "A" * 1000},
        {"role": "tool", "tool_call_id": "b", "content": "B" * 1000},
        {"role": "tool", "tool_call_id": "c", "content": "C" * 1000},
    ]
    fitted = fit_to_context(chat, 2200)
    assert [m["content"][:1] for m in fitted] == ["s", "u", "[", "B", "C"]
    assert fitted[2] == {"role": "tool", "tool_call_id": "a", "content": ELIDED}
    assert fit_to_context(chat, 10_000) == chat and chat[2]["content"] == "A" * 1000
