"""Audit query latency: ``GET /api/admin/events`` by user and by aggregate over a large event_log.

A fresh PostgreSQL and nats-server and the real API process (``python -m cheatcode_api``,
admin key set). ``--events`` realistic mixed events (``event_mix``) are turned into exactly the
rows the ``event_log`` projection writes (``event_row``: decoded body, actor, correlation id,
owner — the aggregate's owner for events that name no user — and ``aggregate_owners``) and
bulk-loaded with COPY (projecting a million events through JetStream would take the
benchmark minutes; the rows are the same). Then, one request at a time: the first page (100)
of a random user's events, a page deep into one user's history (``after=`` the middle), and a
random thread's or run's whole history (``aggregate=kind:id``). Figures: p50/p99 latency
through HTTP (JSON encoding included). No assertions.

    .venv/bin/python benchmarks/bench_audit.py [--events 1000000] [--requests 500]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.backing import backing_services, percentile, process
from benchmarks.event_mix import actor_of, generate
from cheatcode_api.adapters.postgres.projections.event_log import event_row
from cheatcode_contracts.envelope import ACTOR_HEADER, CORRELATION_HEADER
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_runtime.eventstore import StoredEvent

SCHEMA = "cheatcode_api"
ADMIN = {"X-API-Key": "bench-admin-key"}
CHUNK = 100_000
COLUMNS = [
    "position",
    "subject",
    "kind",
    "aggregate_id",
    "type",
    "version",
    "occurred_at",
    "actor",
    "correlation_id",
    "user_id",
    "body",
]


def rows_of(count: int) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str]]]:
    """event_log rows at positions 1..count, resolving owners as the projection's SQL does."""
    owners: dict[tuple[str, str], str] = {}
    rows: list[tuple[Any, ...]] = []
    position, first_user = 0, 0
    while position < count:
        events = generate(min(CHUNK, count - position), seed=position, first_user=first_user)
        first_user += 10_000
        for event in events[: count - position]:
            position += 1
            headers = {ACTOR_HEADER: actor_of(event), CORRELATION_HEADER: f"corr-{position}"}
            stored = StoredEvent(aggregate_subject(event.aggregate_kind, event.aggregate_id), position, event, headers)
            row = list(event_row(stored))
            key = (row[2], row[3])
            if row[9] is not None:
                owners.setdefault(key, row[9])
            else:
                row[9] = owners.get(key)
            rows.append(tuple(row))
    return rows, [(kind, aggregate, user) for (kind, aggregate), user in owners.items()]


async def load(dsn: str, rows: list[tuple[Any, ...]], owners: list[tuple[str, str, str]]) -> None:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})  # plain codecs: body is JSON text
    try:
        await conn.copy_records_to_table("event_log", records=rows, columns=COLUMNS, schema_name=SCHEMA)
        await conn.copy_records_to_table("aggregate_owners", records=owners, schema_name=SCHEMA)
        await conn.execute("ANALYZE event_log; ANALYZE aggregate_owners")
    finally:
        await conn.close()


async def timed(client: httpx.AsyncClient, params: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = await client.get("/api/admin/events", params=params, headers=ADMIN)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed * 1000


async def wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(600):
        try:
            if (await client.get("/api/admin/events", params={"limit": 1}, headers=ADMIN)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the API did not come up")


async def main(count: int, requests: int) -> None:
    started = time.perf_counter()
    rows, owners = rows_of(count)
    generated = time.perf_counter() - started
    rng = random.Random(7)
    users = sorted({row[9] for row in rows if row[9]})
    aggregates = [(row[2], row[3]) for row in rng.sample(rows, 2000) if row[2] in ("thread", "run")]
    async with backing_services("bench-audit-") as backing:
        env = {**backing.env, "CHEATCODE_ADMIN_API_KEY": ADMIN["X-API-Key"], "CHEATCODE_RATE_LIMITS_ENABLED": "false"}
        with process(["-m", "cheatcode_api"], env, backing.home / "api.log"):
            async with httpx.AsyncClient(base_url=backing.base_url, timeout=30) as client:
                await wait_ready(client)  # migrated: the event_log table exists
                started = time.perf_counter()
                await load(backing.env["CHEATCODE_DATABASE_URL"], rows, owners)
                loaded = time.perf_counter() - started
                per_user = len(rows) // len(users)
                kinds = {
                    "by user, first page of 100": lambda: {"user": rng.choice(users), "limit": 100},
                    "by user, page after the middle": lambda: {
                        "user": rng.choice(users),
                        "after": count // 2,
                        "limit": 100,
                    },
                    "by aggregate (thread or run)": lambda: {
                        "aggregate": ":".join(rng.choice(aggregates)),
                        "limit": 1000,
                    },
                }
                results = {}
                for name, params in kinds.items():
                    for _ in range(20):
                        await timed(client, params())  # warm-up
                    results[name] = [await timed(client, params()) for _ in range(requests)]
    print(f"event_log: {len(rows)} rows, {len(users)} users (~{per_user} events each), {len(owners)} aggregates")
    print(f"  rows made in {generated:.0f} s, COPY + ANALYZE in {loaded:.0f} s")
    print(f"GET /api/admin/events, {requests} sequential requests each (HTTP, real API process)")
    for name, values in results.items():
        print(f"  {name:32s} p50 {percentile(values, 0.5):6.2f} ms   p99 {percentile(values, 0.99):6.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.requests))
