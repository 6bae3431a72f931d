"""timestamptz through our codec stores what asyncpg's own codec stores, and reads back the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from pydantic import TypeAdapter

from cheatcode_api.adapters.postgres.connection import Database

pytestmark = pytest.mark.integration

PYDANTIC = TypeAdapter(datetime)
PARIS = ZoneInfo("Europe/Paris")
VALUES: list[datetime | date] = [
    PYDANTIC.validate_json('"2026-01-01T10:11:12.123456Z"'),  # pydantic's UTC TzInfo: the fast path
    PYDANTIC.validate_json('"1999-12-31T23:59:59.999999Z"'),  # before PostgreSQL's epoch
    PYDANTIC.validate_json('"2026-07-01T10:11:12.5+02:00"'),
    PYDANTIC.validate_json('"2026-07-01T10:11:12-05:30"'),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 3, 30, tzinfo=PARIS),  # just after a DST change
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS),  # the repeated hour, second time
    datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=9))),
    datetime(2026, 1, 1, 12),  # naive: local time, as asyncpg takes it
    datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime.max,  # asyncpg's 'infinity'
    datetime.min,  # and '-infinity'
    date(2026, 2, 3),  # midnight at the local offset
]


async def _store(conn: asyncpg.Connection, values: list[datetime | date]) -> None:
    await conn.execute("CREATE TEMP TABLE stamps (i int, at timestamptz)")
    await conn.executemany("INSERT INTO stamps VALUES ($1, $2)", list(enumerate(values)))
    await conn.copy_records_to_table("stamps", records=[(len(values) + i, v) for i, v in enumerate(values)])


async def _stored(conn: asyncpg.Connection) -> list[str]:
    """What PostgreSQL holds, as text in UTC (independent of either codec)."""
    await conn.execute("SET TIME ZONE 'UTC'")
    return [row[0] for row in await conn.fetch("SELECT at::text FROM stamps ORDER BY i")]


async def test_our_codec_stores_what_asyncpgs_own_stores_and_reads_what_it_reads(database_url: str) -> None:
    ours = await Database(database_url, "public").connect()
    theirs = await asyncpg.connect(database_url)  # asyncpg's built-in timestamptz codec
    try:
        await _store(ours, VALUES)
        await _store(theirs, VALUES)
        assert await _stored(ours) == await _stored(theirs)
        read_ours = [row[0] for row in await ours.fetch("SELECT at FROM stamps ORDER BY i")]
        read_theirs = [row[0] for row in await theirs.fetch("SELECT at FROM stamps ORDER BY i")]
    finally:
        await ours.close()
        await theirs.close()
    assert read_ours == read_theirs
    assert [value.tzinfo for value in read_ours] == [value.tzinfo for value in read_theirs]


async def test_a_pydantic_utc_datetime_round_trips_to_the_microsecond(database_url: str) -> None:
    value = PYDANTIC.validate_json('"2026-12-02T13:45:59.000001Z"')
    conn = await Database(database_url, "public").connect()
    try:
        back = await conn.fetchval("SELECT $1::timestamptz", value)
        text = await conn.fetchval(
            "SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", value
        )
    finally:
        await conn.close()
    assert back == value
    assert text == "2026-12-02 13:45:59.000001"


async def test_what_is_not_a_date_is_refused_as_asyncpg_refuses_it(database_url: str) -> None:
    ours = await Database(database_url, "public").connect()
    theirs = await asyncpg.connect(database_url)
    try:
        messages = []
        for conn in (ours, theirs):
            with pytest.raises(asyncpg.DataError) as refused:
                await conn.fetchval("SELECT $1::timestamptz", "2026-01-01")
            messages.append(str(refused.value))
    finally:
        await ours.close()
        await theirs.close()
    assert messages[0] == messages[1]
    assert "expected a datetime.date or datetime.datetime instance, got 'str'" in messages[0]
