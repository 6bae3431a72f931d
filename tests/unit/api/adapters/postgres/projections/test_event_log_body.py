"""The audit copy of an event's body: the decoded event as JSON, NUL characters shown as U+FFFD."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cheatcode_api.adapters.postgres.projections.event_log import body_json
from cheatcode_contracts.threads import MessageAdded

AT = datetime(2026, 12, 2, 7, 0, 0, 123456, tzinfo=UTC)


def message(content: object) -> MessageAdded:
    return MessageAdded(
        thread_id="t1", message_id="m1", type="tool", is_llm_message=True, content=content, occurred_at=AT
    )


def test_the_body_is_the_decoded_event_in_json() -> None:
    event = message({"role": "assistant", "content": "café ✓", "n": [1, 2.5, None, True]})
    assert json.loads(body_json(event)) == event.model_dump(mode="json")


def test_non_ascii_text_is_kept_as_text() -> None:
    assert "café ✓" in body_json(message("café ✓"))


def test_nul_characters_become_replacement_characters_anywhere_in_the_body() -> None:
    text = body_json(message({"out\x00key": ["a\x00b", {"deep": "\x00"}]}))
    assert "\\u0000" not in text
    assert json.loads(text)["content"] == {"out\ufffdkey": ["a\ufffdb", {"deep": "\ufffd"}]}


def test_an_escaped_backslash_before_u0000_is_not_taken_for_a_nul() -> None:
    event = message("C:\\u0000dir")
    assert json.loads(body_json(event))["content"] == "C:\\u0000dir"
