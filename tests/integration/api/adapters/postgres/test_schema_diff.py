"""The rebuild's comparison of two schemas, on tables that differ in rows, columns and types."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.schema_diff import compare_schemas

pytestmark = pytest.mark.integration


@pytest.fixture
async def two_schemas(database_url: str) -> AsyncIterator[tuple[asyncpg.Connection, str, str]]:
    live, shadow = (f"diff_{side}_{uuid.uuid4().hex[:8]}" for side in ("live", "shadow"))
    conn = await Database(database_url, "public").connect()
    for schema in (live, shadow):
        await conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield conn, live, shadow
    finally:
        for schema in (live, shadow):
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


async def test_equal_tables_are_equal_json_compared_as_jsonb(two_schemas: tuple[asyncpg.Connection, str, str]) -> None:
    conn, live, shadow = two_schemas
    for schema, doc in ((live, '{"a": 1, "b": 2}'), (shadow, '{"b": 2,  "a": 1}')):
        await conn.execute(f"CREATE TABLE {schema}.t (id int PRIMARY KEY, doc json)")
        await conn.execute(f"INSERT INTO {schema}.t VALUES (1, '{doc}')")  # the same object, other text
    [table] = await compare_schemas(conn, live, shadow)
    assert table.equal and table.live_rows == table.shadow_rows == 1


async def test_a_column_of_another_type_is_reported_not_raised(
    two_schemas: tuple[asyncpg.Connection, str, str],
) -> None:
    conn, live, shadow = two_schemas
    await conn.execute(f"CREATE TABLE {live}.t (id int PRIMARY KEY, body jsonb)")
    await conn.execute(f"CREATE TABLE {shadow}.t (id int PRIMARY KEY, body text)")
    for schema in (live, shadow):
        await conn.execute(f"INSERT INTO {schema}.t VALUES (1, '{{\"n\": 1}}')")
    [table] = await compare_schemas(conn, live, shadow)
    assert not table.equal
    assert table.note == "columns of another type on each side (live / shadow): body (jsonb / text)"
    assert table.live_rows == table.shadow_rows == 1


async def test_rows_and_columns_on_one_side_only_are_counted_and_named(
    two_schemas: tuple[asyncpg.Connection, str, str],
) -> None:
    conn, live, shadow = two_schemas
    await conn.execute(f"CREATE TABLE {live}.t (id int PRIMARY KEY, name text, extra int)")
    await conn.execute(f"CREATE TABLE {shadow}.t (id int PRIMARY KEY, name text)")
    await conn.execute(f"INSERT INTO {live}.t VALUES (1, 'same', 7), (2, 'live only', 7)")
    await conn.execute(f"INSERT INTO {shadow}.t VALUES (1, 'same')")
    [table] = await compare_schemas(conn, live, shadow)
    assert (table.only_live, table.only_shadow) == (1, 0)
    assert table.sample_only_live == [{"id": 2, "name": "live only"}]
    assert table.note == "columns on one side only: extra"
