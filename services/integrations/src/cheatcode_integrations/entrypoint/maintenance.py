"""Runs the maintenance scheduler (built in bootstrap unless Inngest drives the tasks)."""

from __future__ import annotations

import asyncio
import contextlib

from cheatcode_integrations.entrypoint.app import Deps
from cheatcode_runtime.service import ServiceHost


def register_maintenance(host: ServiceHost, deps: Deps) -> None:
    scheduler = deps.maintenance
    if scheduler is None:
        return
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        tasks.append(asyncio.create_task(scheduler.get().run_forever(), name="maintenance-scheduler"))

    async def stop() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    host.app.after_startup(start)
    host.app.on_shutdown(stop)
