"""Process entry: build the container, serve the app with uvicorn, stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvicorn

from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import drop_schema
from cheatcode_api.config import Settings
from cheatcode_api.entrypoint.app import create_app
from cheatcode_api.entrypoint.bootstrap import build_container, build_rebuilder
from cheatcode_api.entrypoint.observability import register_stream_metrics
from cheatcode_api.entrypoint.routes.admin_rebuild import report_json
from cheatcode_api.streaming import tune_gc
from cheatcode_runtime.nats import connect
from cheatcode_runtime.observability.logs import configure_json_logging
from cheatcode_runtime.observability.metrics import serve_metrics
from cheatcode_runtime.observability.tracing import configure_tracing

T = TypeVar("T")

USAGE = "usage: python -m cheatcode_api [drop-read-models | rebuild-read-models [--no-swap]]"


async def serve(settings: Settings) -> None:
    container = await build_container(settings)
    app = create_app(container)
    hub = container.run_streams
    register_stream_metrics(lambda: getattr(hub, "client_count", 0), lambda: getattr(hub, "frames_delivered", 0))
    if settings.metrics_port is not None:
        serve_metrics(settings.metrics_port, settings.metrics_host)
    tune_gc()  # after start-up: see cheatcode_api.streaming.gc_tuning
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
        lifespan="on",
        access_log=False,
        # Without it uvicorn waits for every open SSE stream before the lifespan may close the container.
        timeout_graceful_shutdown=settings.shutdown_grace,
    )
    await uvicorn.Server(config).serve()  # handles SIGINT/SIGTERM; the lifespan closes the container


async def rebuild_read_models(settings: Settings) -> None:
    """Drop every read model; the next start replays the EVENTS stream from the beginning."""
    conn = await Database(settings.database_url, settings.database_schema).connect()
    try:
        await drop_schema(conn, settings.database_schema)
    finally:
        await conn.close()


async def rebuild_with_proof(settings: Settings, *, swap: bool) -> bool:
    """Shadow rebuild, comparison and swap (the code behind POST /api/admin/read-models/rebuild),
    while any running API keeps serving; prints the report. True when both were equal."""
    nc = await connect(settings.nats, name=f"api-rebuild:{settings.instance_id}")
    tune_gc()  # as the API process: a quarter of a rebuild's time went to full collections
    try:
        report = await build_rebuilder(settings, nc.jetstream()).rebuild(swap=swap)
    finally:
        await nc.close()
    print(json.dumps(report_json(report), indent=2, default=str))
    return report.equal


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    configure_json_logging("api")
    configure_tracing("api")
    settings = Settings()
    if args == ["drop-read-models"]:
        asyncio.run(rebuild_read_models(settings))
        print(f"dropped schema {settings.database_schema!r}; restart the API to rebuild it from the log")
        return 0
    if args and args[0] == "rebuild-read-models" and set(args[1:]) <= {"--no-swap"}:
        # On the event loop the API serves the rebuild endpoint on (uvloop).
        return 0 if run_event_loop(rebuild_with_proof(settings, swap="--no-swap" not in args)) else 1
    if args:
        print(USAGE, file=sys.stderr)
        return 2
    run_event_loop(serve(settings))
    return 0


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """uvloop when installed (it is a dependency): cheaper I/O per SSE frame, per request and
    per event a rebuild reads."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
