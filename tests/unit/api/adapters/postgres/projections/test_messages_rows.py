"""The messages projection's rows: NUL characters stripped, and only looked for where one can be."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime

from cheatcode_api.adapters.postgres.projections.conversations import INSERT_MESSAGE, MessagesProjection
from cheatcode_api.domain.rows import message_row
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.threads import MessageAdded
from cheatcode_runtime.eventstore import StoredEvent

AT = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def added(content: object) -> MessageAdded:
    return MessageAdded(
        thread_id="t1", message_id="m1", type="tool", is_llm_message=True, content=content,
        metadata={"tool_call_id": "c1"}, occurred_at=AT,
    )  # fmt: skip


def row_of(event: MessageAdded, payload: bytes) -> tuple[object, ...]:
    statements = MessagesProjection().statements(
        StoredEvent("cc.evt.thread.t1", 9, event, contract_headers(event), payload)
    )
    assert [sql for sql, _ in statements] == [INSERT_MESSAGE]
    return statements[0][1]


def test_the_row_is_the_message_row_in_field_order() -> None:
    event = added({"out": "ok"})
    assert row_of(event, encode(event)) == astuple(message_row(event, 9))


def test_nul_characters_are_stripped_when_the_payload_shows_one() -> None:
    event = added({"out\x00": ["a\x00b"]})
    assert b"\\u0000" in encode(event)
    assert row_of(event, encode(event))[5] == {"out": ["ab"]}


def test_without_a_payload_nul_characters_are_stripped_too() -> None:
    event = added({"out": "a\x00b"})
    assert row_of(event, b"")[5] == {"out": "ab"}


def test_a_payload_without_the_escape_is_used_as_it_is() -> None:
    event = added({"out": "plain"})
    assert row_of(event, encode(event))[5] is event.content  # nothing copied
