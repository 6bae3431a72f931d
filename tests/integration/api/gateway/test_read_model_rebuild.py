"""Zero-downtime rebuild: shadow schema, row-for-row proof, swap only when equal."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cheatcode_api.entrypoint.bootstrap import Infrastructure
from cheatcode_infra.nats_server import NatsServer
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration

ADMIN = {"X-Admin-Api-Key": "rebuild-admin-key"}
REBUILD = "/api/admin/read-models/rebuild"
READ_MODEL_TABLES = ("projects", "threads", "messages", "event_log", "aggregate_owners", "projection_checkpoints")


@pytest.fixture(scope="module")
async def rebuilt_api(
    agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[tuple[httpx.AsyncClient, Infrastructure]]:
    settings = api_settings(nats_server, database_url, jwks, admin_api_key="rebuild-admin-key")
    async with running_api(settings) as (client, infrastructure):
        user = token("user_rebuild")
        for index in range(3):
            project = (await client.post("/api/projects", json={"name": f"r{index}"}, headers=user)).json()
            thread = (await client.post("/api/threads", json={"project_id": project["id"]}, headers=user)).json()
            for text in ("hello", "again"):
                response = await client.post(
                    f"/api/threads/{thread['thread_id']}/messages", json={"type": "user", "content": text}, headers=user
                )
                assert response.status_code == 200, response.text
        yield client, infrastructure


async def snapshot(infrastructure: Infrastructure) -> dict[str, list[Any]]:
    rows = {}
    for table in READ_MODEL_TABLES:
        columns = "name, position" if table == "projection_checkpoints" else "*"
        rows[table] = [tuple(r) for r in await infrastructure.pool.fetch(f"SELECT {columns} FROM {table} ORDER BY 1")]
    return rows


async def test_an_equal_rebuild_swaps_in_the_same_rows_while_the_api_answers(
    rebuilt_api: tuple[httpx.AsyncClient, Infrastructure],
) -> None:
    client, infrastructure = rebuilt_api
    user = token("user_rebuild")
    before = await snapshot(infrastructure)
    live_oid = await infrastructure.pool.fetchval("SELECT 'projects'::regclass::oid")
    answered: list[int] = []
    done = asyncio.Event()

    async def keep_asking() -> None:
        while not done.is_set():
            answered.append((await client.get("/api/projects", headers=user)).status_code)
            await asyncio.sleep(0)

    asking = asyncio.create_task(keep_asking())
    response = await client.post(REBUILD, headers=ADMIN)
    done.set()
    await asking
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["equal"] is True and report["swapped"] is True, report["differences"]
    # Other modules of the session delete stored events (poison tests): positions may have gaps,
    # so the shadow projects at most as many events as the checkpoint it was compared at.
    assert report["differences"] == [] and 0 < report["events_projected"] <= report["compared_at"]
    assert {t["table"] for t in report["tables"]} >= set(READ_MODEL_TABLES)
    assert answered and set(answered) == {200}, answered
    # The rows are the rebuilt ones (new tables), identical to what was there before.
    assert await infrastructure.pool.fetchval("SELECT 'projects'::regclass::oid") != live_oid
    assert await snapshot(infrastructure) == before
    schemas = {r[0] for r in await infrastructure.pool.fetch("SELECT nspname FROM pg_namespace")}
    assert "cheatcode_api_shadow" not in schemas and "cheatcode_api_retired" not in schemas
    # The live runner resumed on the swapped-in schema: a write is read back.
    created = await client.post("/api/projects", json={"name": "after the swap"}, headers=user)
    assert created.status_code == 200, created.text
    listed = (await client.get("/api/projects", headers=user)).json()
    assert "after the swap" in {project["name"] for project in listed}


async def test_a_corrupted_live_row_is_reported_and_nothing_is_swapped(
    rebuilt_api: tuple[httpx.AsyncClient, Infrastructure],
) -> None:
    client, infrastructure = rebuilt_api
    project_id, name = await infrastructure.pool.fetchrow("SELECT project_id, name FROM projects ORDER BY 1 LIMIT 1")
    await infrastructure.pool.execute("UPDATE projects SET name = 'corrupted' WHERE project_id = $1", project_id)
    live_oid = await infrastructure.pool.fetchval("SELECT 'projects'::regclass::oid")
    try:
        response = await client.post(REBUILD, json={"swap": True}, headers=ADMIN)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["equal"] is False and report["swapped"] is False
        assert report["differences"] == ["projects"]
        projects = next(t for t in report["tables"] if t["table"] == "projects")
        assert projects["only_live"] == 1 and projects["only_shadow"] == 1
        assert projects["sample_only_live"][0]["name"] == "corrupted"
        assert projects["sample_only_shadow"][0]["name"] == name
        assert report["shadow_schema"] == "cheatcode_api_shadow"
        # Not swapped: the live table is the same one, still corrupted.
        assert await infrastructure.pool.fetchval("SELECT 'projects'::regclass::oid") == live_oid
        kept = await infrastructure.pool.fetchval("SELECT name FROM projects WHERE project_id = $1", project_id)
        assert kept == "corrupted"
    finally:
        await infrastructure.pool.execute("UPDATE projects SET name = $2 WHERE project_id = $1", project_id, name)


async def test_the_rebuild_needs_the_admin_key(rebuilt_api: tuple[httpx.AsyncClient, Infrastructure]) -> None:
    client, _ = rebuilt_api
    assert (await client.post(REBUILD)).status_code == 401
    assert (await client.post(REBUILD, headers={"X-API-Key": "wrong"})).status_code == 403
    assert (await client.post(REBUILD, headers=token("user_rebuild"))).status_code == 401


async def test_the_cli_rebuilds_with_proof_and_prints_the_report(
    rebuilt_api: tuple[httpx.AsyncClient, Infrastructure], nats_server: NatsServer, database_url: str
) -> None:
    _, infrastructure = rebuilt_api
    env = {**os.environ, "CHEATCODE_DATABASE_URL": database_url, "CHEATCODE_NATS_URL": nats_server.url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cheatcode_api", "rebuild-read-models", "--no-swap",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, err.decode()[-2000:]
        report = json.loads(out)
        assert report["equal"] is True and report["swapped"] is False
        assert report["events_projected"] > 0 and report["index_seconds"] >= 0
        assert report["shadow_schema"] == "cheatcode_api_shadow"  # kept for inspection (--no-swap)
    finally:
        await infrastructure.pool.execute("DROP SCHEMA IF EXISTS cheatcode_api_shadow CASCADE")
