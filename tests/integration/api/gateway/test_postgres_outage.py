"""PostgreSQL going away: reads answer 503 naming the database, a write made meanwhile is kept
in the log, and once PostgreSQL is back the runner resumes from its checkpoint and reads see it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cheatcode_api.entrypoint.errors import LAGGING, READ_MODELS_DOWN
from cheatcode_infra.nats_server import NatsServer
from cheatcode_infra.postgres_server import PostgresServer
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration

OWNER = "pg-outage-owner"


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[PostgresServer]:
    """A PostgreSQL of this test alone: it is stopped and started again."""
    server = PostgresServer(data_dir=tmp_path / "pg", log_file=tmp_path / "pg.log")
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def project_names(client: httpx.AsyncClient) -> list[str] | None:
    response = await client.get("/api/projects", headers=token(OWNER))
    return sorted(p["name"] for p in response.json()) if response.status_code == 200 else None


async def test_reads_answer_503_while_postgres_is_down_and_catch_up_after(
    agent: None, nats_server: NatsServer, own_postgres: PostgresServer, jwks: JwksDouble
) -> None:
    database_url = await own_postgres.create_database("outage")
    settings = api_settings(nats_server, database_url, jwks, read_your_writes_timeout=2.0)
    async with running_api(settings) as (client, _):
        created = await client.post("/api/projects", json={"name": "before"}, headers=token(OWNER))
        assert created.status_code == 200, created.text

        await asyncio.to_thread(own_postgres.stop)
        for path in ("/api/projects", "/api/threads", f"/api/projects/{created.json()['id']}"):
            down = await client.get(path, headers=token(OWNER))
            assert down.status_code == 503, (path, down.text)
            assert down.json() == {"detail": READ_MODELS_DOWN}
            assert down.headers["retry-after"] == "2"

        # The command is stored in the log; only its projection has to wait for the database.
        meanwhile = await client.post("/api/projects", json={"name": "meanwhile"}, headers=token(OWNER))
        assert meanwhile.status_code == 503, meanwhile.text
        assert meanwhile.json() == {"detail": LAGGING}

        await asyncio.to_thread(own_postgres.start)
        deadline = time.monotonic() + 30
        while (names := await project_names(client)) != ["before", "meanwhile"]:
            assert time.monotonic() < deadline, f"read model never caught up: {names}"
            await asyncio.sleep(0.2)

        after = await client.post("/api/projects", json={"name": "after"}, headers=token(OWNER))
        assert after.status_code == 200, after.text
        assert await project_names(client) == ["after", "before", "meanwhile"]
