"""The audit copy of an event's body: the bytes appended, or the upcast event for an older version."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cheatcode_api.adapters.postgres.projections.event_log import body_text
from cheatcode_contracts.envelope import VERSION_HEADER, contract_headers, encode
from cheatcode_contracts.threads import MessageAdded
from cheatcode_runtime.eventstore import StoredEvent

AT = datetime(2026, 12, 2, 7, 0, 0, 123456, tzinfo=UTC)


def message(content: object) -> MessageAdded:
    return MessageAdded(
        thread_id="t1", message_id="m1", type="tool", is_llm_message=True, content=content, occurred_at=AT
    )


def stored(event: MessageAdded, payload: bytes, version: str | None = None) -> StoredEvent:
    headers = contract_headers(event)
    if version is not None:
        headers[VERSION_HEADER] = version
    return StoredEvent("cc.evt.thread.t1", 7, event, headers, payload)


def test_the_body_is_the_payload_as_appended_byte_for_byte() -> None:
    event = message({"role": "assistant", "content": "café ✓", "n": [1, 2.5, None, True]})
    # Written by another encoder (spacing, key order, a field today's model does not have):
    # the audit shows what is stored, and a rebuild gives the same text again.
    payload = (
        b'{ "thread_id": "t1", "message_id": "m1", "legacy": 1, "content": {"content": "caf\\u00e9 \xe2\x9c\x93"}}'
    )
    assert body_text(stored(event, payload)) == payload.decode()


def test_an_event_encoded_by_its_model_shows_as_that_model() -> None:
    event = message({"role": "assistant", "content": "café ✓"})
    text = body_text(stored(event, encode(event)))
    assert json.loads(text) == event.model_dump(mode="json")
    assert "café ✓" in text


def test_an_event_stored_at_an_older_version_shows_as_the_upcast_event() -> None:
    event = message({"role": "user", "content": "hello"})
    text = body_text(stored(event, b'{"thread": "t1", "text": "hello"}', version="0"))
    assert json.loads(text) == event.model_dump(mode="json")


def test_without_a_payload_the_event_is_encoded() -> None:
    event = message("no payload kept")
    assert json.loads(body_text(stored(event, b""))) == event.model_dump(mode="json")


def test_nul_escapes_are_kept_as_stored() -> None:
    event = message({"out\x00key": ["a\x00b"]})
    text = body_text(stored(event, encode(event)))
    assert json.loads(text)["content"] == {"out\x00key": ["a\x00b"]}
