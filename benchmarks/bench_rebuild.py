"""Read-model rebuild throughput: the whole log projected into a shadow schema in PostgreSQL.

A fresh nats-server and PostgreSQL; ``--events`` realistic mixed events (``event_mix``:
accounts, projects, sandboxes, threads, messages, runs, token charges) appended to EVENTS
through the contracts' ``encode`` and envelope headers. First the live schema is built by the
``ProjectionRunner`` (the API's follow path, ``--live-batch`` events per transaction); then
``PostgresReadModelRebuilder.rebuild()`` (what ``POST /api/admin/read-models/rebuild`` runs)
projects everything into the shadow schema, compares every table row for row and swaps.
The collector is tuned and the event loop chosen as in the API process (``tune_gc``: start-up
objects frozen; uvloop, on which the API serves the rebuild endpoint).
Figures: events/s of both, and the comparison and swap times. No assertions.

    .venv/bin/python benchmarks/bench_rebuild.py [--events 100000] [--batch 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.backing import backing_services
from benchmarks.event_mix import append_all, generate
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import apply_migrations
from cheatcode_api.adapters.postgres.projections import all_projections
from cheatcode_api.adapters.postgres.rebuild import PostgresReadModelRebuilder
from cheatcode_api.adapters.postgres.runner import ProjectionRunner
from cheatcode_api.entrypoint.main import run_event_loop
from cheatcode_api.streaming import tune_gc
from cheatcode_contracts import build_registry
from cheatcode_runtime.nats import NatsSettings, connect

SCHEMA = "cheatcode_api"


async def follow_to(runner: ProjectionRunner, position: int) -> float:
    started = time.perf_counter()
    task = asyncio.create_task(runner.run())
    while runner.position < position:  # noqa: ASYNC110 (the runner has no "reached" event)
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return elapsed


async def main(count: int, batch: int, live_batch: int) -> None:
    async with backing_services("bench-rebuild-") as backing:
        events = generate(count)
        nc = await connect(NatsSettings(url=backing.env["CHEATCODE_NATS_URL"]), name="bench-rebuild")
        js = nc.jetstream()
        started = time.perf_counter()
        await append_all(js, events)
        appended = time.perf_counter() - started
        database = Database(backing.env["CHEATCODE_DATABASE_URL"], SCHEMA)
        conn = await database.connect()
        await apply_migrations(conn, SCHEMA)
        await conn.close()
        tune_gc()  # as the API process (and the rebuild CLI) does after start-up
        live = ProjectionRunner(database, js, build_registry(), all_projections(), batch_size=live_batch)
        live_seconds = await follow_to(live, len(events))
        rebuilder = PostgresReadModelRebuilder(database, js, build_registry(), all_projections, batch_size=batch)
        report = await rebuilder.rebuild()
        await nc.close()
    rows = {table.table: table.shadow_rows for table in report.tables}
    other = report.total_seconds - report.projection_seconds
    print(f"{len(events)} mixed events (appended at {len(events) / appended:.0f}/s); rows: {rows}")
    print(
        f"  live runner (batch {live_batch})         {len(events) / live_seconds:8.0f} events/s  ({live_seconds:.1f} s)"
    )
    print(
        f"  rebuild into the shadow (batch {batch})  {report.events_per_second:8.0f} events/s  "
        f"({report.events_projected} events, {report.projection_seconds:.1f} s)"
    )
    outcome = f"equal={report.equal} swapped={report.swapped}"
    print(f"  comparison of {len(report.tables)} tables + swap  {other:8.2f} s   {outcome}")
    print(f"    read-only indexes built meanwhile  {report.index_seconds:8.2f} s")
    print(f"  whole rebuild                         {report.total_seconds:8.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--live-batch", type=int, default=500)
    arguments = parser.parse_args()
    run_event_loop(main(arguments.events, arguments.batch, arguments.live_batch))  # the API's loop (uvloop)
