"""jsonb and json parameters and results as Python values (binary format, pydantic-core encoder)."""

from __future__ import annotations

from typing import Any

import pytest

from cheatcode_api.adapters.postgres.connection import Database

pytestmark = pytest.mark.integration

VALUES: list[Any] = [
    {"role": "assistant", "content": "héllo ✓ 🎉", "nested": {"list": [1, 2.5, None, True], "empty": {}}},
    [],
    "a JSON string, stored as one (the event log's body is passed this way)",
    42,
]  # (None is SQL NULL: asyncpg sends no value to encode)


@pytest.mark.parametrize("value", VALUES)
async def test_a_value_round_trips_through_jsonb_and_json(database_url: str, value: Any) -> None:
    conn = await Database(database_url, "public").connect()
    try:
        as_jsonb = await conn.fetchval("SELECT $1::jsonb", value)
        as_json = await conn.fetchval("SELECT $1::json", value)
        # What PostgreSQL itself made of the parameter: the value, not a re-quoted string of it.
        kind = await conn.fetchval("SELECT jsonb_typeof($1::jsonb)", value)
    finally:
        await conn.close()
    assert as_jsonb == value
    assert as_json == value
    expected_kind = {dict: "object", list: "array", str: "string", int: "number"}[type(value)]
    assert kind == expected_kind


async def test_non_ascii_text_is_stored_as_characters_not_escapes(database_url: str) -> None:
    conn = await Database(database_url, "public").connect()
    try:
        text = await conn.fetchval("SELECT ($1::jsonb)->>'name'", {"name": "Zoë ✓"})
    finally:
        await conn.close()
    assert text == "Zoë ✓"
