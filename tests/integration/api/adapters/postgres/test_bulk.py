"""Bulk forms against their statements: the same rows in, the same tables out.

Each case writes one round of rows twice into fresh schemas, once with the statement run
row by row in order (what a small batch does) and once with the bulk form (what a rebuild
does), and compares the tables; the expected outcome is also spelled out.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from cheatcode_api.adapters.postgres.bulk import BULK_MIN_ROWS, BulkInsert, Row
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import apply_migrations, drop_schema
from cheatcode_api.adapters.postgres.projection import StatementBatch
from cheatcode_api.adapters.postgres.projections.billing import INSERT_USAGE, NEW_USAGE
from cheatcode_api.adapters.postgres.projections.conversations import INSERT_MESSAGE, NEW_MESSAGES
from cheatcode_api.adapters.postgres.projections.event_log import INSERT_EVENT, EventRowsInBulk

pytestmark = pytest.mark.integration

AT = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
async def schemas(database_url: str) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    """Two freshly migrated schemas: one written row by row, one in bulk."""
    names = [f"bulk_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("rows", "bulk")]
    conns = [await Database(database_url, name).connect() for name in names]
    for conn, name in zip(conns, names, strict=True):
        await apply_migrations(conn, name)
    try:
        yield conns[0], conns[1]
    finally:
        for conn, name in zip(conns, names, strict=True):
            await drop_schema(conn, name)
            await conn.close()


async def both_ways(
    conns: tuple[asyncpg.Connection, asyncpg.Connection], sql: str, writer: BulkInsert, rows: Sequence[Row]
) -> None:
    by_rows, in_bulk = conns
    async with by_rows.transaction():
        for row in rows:
            await by_rows.execute(sql, *row)
    async with in_bulk.transaction():
        await writer.write(in_bulk, rows)


async def table(conn: asyncpg.Connection, name: str, order: str) -> list[tuple[Any, ...]]:
    return [tuple(record) for record in await conn.fetch(f"SELECT * FROM {name} ORDER BY {order}")]


def message(message_id: str, thread: str, position: int, text: str) -> Row:
    return (message_id, thread, position, "user", True, {"text": text}, {}, None, AT, AT)


async def test_messages_keep_the_first_row_of_a_key_and_what_the_table_had(
    schemas: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    for conn in schemas:  # a message projected by an earlier batch
        await conn.execute(INSERT_MESSAGE, *message("m-old", "t1", 1, "kept"))
    rows = [message(f"m{n}", "t1", n + 2, f"first {n}") for n in range(BULK_MIN_ROWS)]
    rows += [message("m3", "t1", 99, "a repeat, ignored"), message("m-old", "t1", 100, "ignored too")]
    await both_ways(schemas, INSERT_MESSAGE, NEW_MESSAGES, rows)

    by_rows, in_bulk = schemas
    assert await table(in_bulk, "messages", "message_id") == await table(by_rows, "messages", "message_id")
    stored = await in_bulk.fetch("SELECT message_id, content FROM messages")
    texts = {record["message_id"]: record["content"]["text"] for record in stored}
    assert texts["m3"] == "first 3"
    assert texts["m-old"] == "kept"
    assert len(texts) == BULK_MIN_ROWS + 1


async def test_usage_rows_are_keyed_by_run_and_call(schemas: tuple[asyncpg.Connection, asyncpg.Connection]) -> None:
    def usage(run: str, call: int, tokens: int) -> Row:
        return (run, call, "u1", "t1", "p1", "gpt", tokens, 0, tokens, tokens, 100 - tokens, 0.1, False, AT, call + 1)

    rows = [usage("r1", call, 10) for call in range(3)] + [usage("r2", 0, 20), usage("r1", 1, 99)]
    await both_ways(schemas, INSERT_USAGE, NEW_USAGE, rows)

    by_rows, in_bulk = schemas
    order = "run_id, call_index"
    assert await table(in_bulk, "billing_usage", order) == await table(by_rows, "billing_usage", order)
    assert [r["total_tokens"] for r in await in_bulk.fetch(f"SELECT * FROM billing_usage ORDER BY {order}")] == [
        10, 10, 10, 20,
    ]  # fmt: skip


def event(position: int, kind: str, aggregate: str, user: str | None) -> Row:
    subject = f"cc.evt.{kind}.{aggregate}"
    body = f'{{"n": {position}, "output": "a\\u0000b"}}'  # a NUL escape, as a tool's output may hold
    return (position, subject, kind, aggregate, f"{kind}.happened", 1, AT + timedelta(seconds=position), "user:x",
            None, user, body)  # fmt: skip


async def test_event_rows_get_the_owner_the_statement_would_have_looked_up(
    schemas: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    for conn in schemas:  # an owner learnt in an earlier batch
        await conn.execute(
            "INSERT INTO aggregate_owners (kind, aggregate_id, user_id) VALUES ('project', 'x', 'alice')"
        )
    rows = [
        event(10, "project", "x", None),  # the table's owner
        event(11, "thread", "y", None),  # nobody named yet: no owner
        event(12, "thread", "y", "bob"),  # names bob: bob owns y from here on
        event(13, "thread", "y", None),  # bob
        event(14, "thread", "y", "carol"),  # its own user; y stays bob's
        event(15, "project", "x", "dave"),  # its own user; x stays alice's
        event(16, "run", "z", "erin"),
        event(17, "run", "z", None),  # erin
        event(18, "project", "x", None),  # alice still: the older owner wins over dave's naming
    ]
    await both_ways(schemas, INSERT_EVENT, EventRowsInBulk(), rows)

    by_rows, in_bulk = schemas
    assert await table(in_bulk, "event_log", "position") == await table(by_rows, "event_log", "position")
    assert await table(in_bulk, "aggregate_owners", "kind, aggregate_id") == await table(
        by_rows, "aggregate_owners", "kind, aggregate_id"
    )
    users = [record["user_id"] for record in await in_bulk.fetch("SELECT user_id FROM event_log ORDER BY position")]
    assert users == ["alice", None, "bob", "bob", "carol", "dave", "erin", "erin", "alice"]
    body = await in_bulk.fetchval("SELECT body FROM event_log WHERE position = 17")
    assert body == '{"n": 17, "output": "a\\u0000b"}'
    owners = dict(await in_bulk.fetch("SELECT aggregate_id, user_id FROM aggregate_owners"))
    assert owners == {"x": "alice", "y": "bob", "z": "erin"}


class Recording(BulkInsert):
    def __init__(self) -> None:
        self.rounds: list[int] = []

    async def write(self, conn: asyncpg.Connection, rows: Sequence[Row]) -> None:
        self.rounds.append(len(rows))
        await NEW_MESSAGES.write(conn, rows)


@pytest.mark.parametrize(("count", "in_bulk"), [(BULK_MIN_ROWS - 1, False), (BULK_MIN_ROWS, True)])
async def test_a_batch_writes_a_round_in_bulk_from_bulk_min_rows(
    schemas: tuple[asyncpg.Connection, asyncpg.Connection], count: int, in_bulk: bool
) -> None:
    recording = Recording()
    batch = StatementBatch({INSERT_MESSAGE: recording})
    for n in range(count):
        row = message(f"m{n}", "t1", n, "hello")
        batch.add([(INSERT_MESSAGE, row)], lambda sql, args: ("messages", args[0]))
    conn = schemas[0]
    async with conn.transaction():
        await batch.flush(conn)
    assert recording.rounds == ([count] if in_bulk else [])
    assert await conn.fetchval("SELECT count(*) FROM messages") == count
