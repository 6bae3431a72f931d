"""Running a service process until SIGTERM or SIGINT, then closing cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from faststream import FastStream

from cheatcode_runtime.observability.logs import configure_json_logging
from cheatcode_runtime.observability.tracing import configure_tracing

logger = logging.getLogger("cheatcode.runner")


async def serve(app: FastStream, *, stop: asyncio.Event | None = None) -> None:
    """Start ``app``, wait for a stop signal (or ``stop``), then stop it: NATS is drained.

    A signal during start-up (say, while NATS is still unreachable) also stops the process.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(app.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a failed start-up ends the process with its error
            logger.info("service started")
            await stopping
        logger.info("stopping")
    finally:
        for task in (starting, stopping):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sig in signals:
            loop.remove_signal_handler(sig)
        await app.stop()


def configure_logging(level: int = logging.INFO, service: str | None = None) -> None:
    """JSON log lines (with trace, run and user ids) and a tracer, named after the service."""
    name = service or _service_name()
    configure_json_logging(name, level)
    configure_tracing(name)


def _service_name() -> str:
    """``agent`` for ``python -m cheatcode_agent``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    package = (spec.name if spec else "").split(".")[0]
    return package.removeprefix("cheatcode_") or "service"


def run(app: FastStream) -> int:
    """Entry point of ``python -m cheatcode_<svc>``: serve until a signal; 0 on a clean stop."""
    configure_logging()
    try:
        asyncio.run(serve(app))
    except Exception:
        logger.exception("service failed")
        return 1
    return 0
