"""Events → read-model rows: deterministic, taken only from the event."""

from __future__ import annotations

from datetime import UTC, datetime

from cheatcode_api.domain.rows import message_row, project_row, thread_row, thread_touched_at
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.threads import MessageAdded, ThreadCreated

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_project_row_copies_the_event_and_uses_its_time() -> None:
    event = ProjectCreated(project_id="p", user_id="u", name="App", description="d", model_name="m", occurred_at=AT)
    row = project_row(event)
    assert (row.project_id, row.user_id, row.name, row.description) == ("p", "u", "App", "d")
    assert (row.app_type, row.model_name, row.is_public, row.sandbox) == ("web", "m", False, {})
    assert row.created_at == row.updated_at == AT
    assert project_row(event) == row  # same event, same row: a rebuild is identical


def test_thread_row_keeps_metadata_and_owner() -> None:
    event = ThreadCreated(thread_id="t", project_id="p", user_id="u", metadata={"name": "Chat"}, occurred_at=AT)
    row = thread_row(event)
    assert (row.thread_id, row.project_id, row.user_id, row.metadata) == ("t", "p", "u", {"name": "Chat"})
    assert row.created_at == row.updated_at == AT


def test_message_row_is_ordered_by_stream_position() -> None:
    event = MessageAdded(
        thread_id="t", message_id="m", type="user", is_llm_message=True, content={"role": "user", "content": "hi"},
        agent_run_id="r", occurred_at=AT,
    )  # fmt: skip
    row = message_row(event, 17)
    assert (row.message_id, row.thread_id, row.position, row.type, row.agent_run_id) == ("m", "t", 17, "user", "r")
    assert row.content == {"role": "user", "content": "hi"}
    assert thread_touched_at(event) == AT


def test_values_are_the_fields_in_declaration_order_without_copies() -> None:
    from dataclasses import astuple

    from cheatcode_api.domain.rows import values

    event = ThreadCreated(thread_id="t", project_id="p", user_id="u", metadata={"a": {"b": 1}}, occurred_at=AT)
    row = thread_row(event)
    assert values(row) == astuple(row)
    assert values(row)[4] is row.metadata


def test_nul_characters_never_reach_postgres() -> None:
    from cheatcode_api.domain.text import contains_nul, strip_nul

    event = MessageAdded(
        thread_id="t", message_id="m", type="user", is_llm_message=True, content={"a\x00": ["b\x00c", 1, None]},
        metadata={"k": "v\x00"}, occurred_at=AT,
    )  # fmt: skip
    row = message_row(event, 1)
    assert row.content == {"a": ["bc", 1, None]} and row.metadata == {"k": "v"}
    assert not contains_nul(row.content) and contains_nul(event.content)
    assert strip_nul("plain") == "plain"
    assert project_row(ProjectCreated(project_id="p", user_id="u", name="a\x00b", occurred_at=AT)).name == "ab"
