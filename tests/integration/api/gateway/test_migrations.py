"""Migrations: applied once, in order, atomically per file, safe to run from several replicas at once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import Migration, apply_migrations, discover_migrations

pytestmark = pytest.mark.integration

SCHEMA = "migration_test"


async def test_pending_migrations_apply_once_even_when_replicas_race(fresh_database_url: str) -> None:
    database = Database(fresh_database_url, SCHEMA)
    connections = [await database.connect() for _ in range(3)]
    try:
        results = await asyncio.gather(*(apply_migrations(conn, SCHEMA) for conn in connections))
        everything = [migration.name for migration in discover_migrations()]
        assert sorted(results, key=len, reverse=True) == [everything, [], []]
        assert await apply_migrations(connections[0], SCHEMA) == []
        recorded = await connections[0].fetch("SELECT name FROM schema_migrations ORDER BY version")
        assert [row["name"] for row in recorded] == everything
    finally:
        for conn in connections:
            await conn.close()


async def test_a_failing_migration_leaves_nothing_behind(fresh_database_url: str) -> None:
    conn = await Database(fresh_database_url, SCHEMA).connect()
    try:
        good = Migration(1, "001_good.sql", "CREATE TABLE good (id int)")
        bad = Migration(2, "002_bad.sql", "CREATE TABLE half (id int); SELECT no_such_function();")
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await apply_migrations(conn, SCHEMA, [good, bad])
        assert await conn.fetchval("SELECT to_regclass('half')") is None
        assert await conn.fetchval("SELECT to_regclass('good')") is not None
        assert [row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")] == [1]
        # The lock was released despite the failure: a fixed file applies.
        fixed = Migration(2, "002_bad.sql", "CREATE TABLE half (id int)")
        assert await apply_migrations(conn, SCHEMA, [good, fixed]) == ["002_bad.sql"]
    finally:
        await conn.close()


async def test_event_log_bodies_stored_as_jsonb_become_their_json_text(fresh_database_url: str) -> None:
    """090: a body written before it (a jsonb string holding the payload, or an older jsonb
    object) reads back as the same JSON value afterwards."""
    schema = "migration_body_test"
    conn = await Database(fresh_database_url, schema).connect()
    try:
        migrations = discover_migrations()
        before = [migration for migration in migrations if migration.version < 90]
        await apply_migrations(conn, schema, before)
        insert = """INSERT INTO event_log (position, subject, kind, aggregate_id, type, version, occurred_at, body)
                    VALUES ($1, 's', 'k', 'a', 't', 1, now(), $2::jsonb)"""
        # As the projection wrote them: the payload's text, which the jsonb codec sends as a string...
        await conn.execute(insert, 1, '{"n": 1, "s": "a\\u0000b"}')
        await conn.execute(insert, 2, {"n": 2})  # ...and a body once stored as a jsonb object
        kinds = [row[0] for row in await conn.fetch("SELECT jsonb_typeof(body) FROM event_log ORDER BY position")]
        assert kinds == ["string", "object"]
        assert await apply_migrations(conn, schema, migrations) == ["090_event_log_body_text.sql"]
        bodies = [row["body"] for row in await conn.fetch("SELECT body FROM event_log ORDER BY position")]
        assert bodies == ['{"n": 1, "s": "a\\u0000b"}', '{"n": 2}']
        assert (
            await conn.fetchval(
                "SELECT data_type FROM information_schema.columns WHERE table_schema = $1 "
                "AND table_name = 'event_log' AND column_name = 'body'",
                schema,
            )
            == "text"
        )
    finally:
        await conn.close()
