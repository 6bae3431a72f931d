"""Running a service process until SIGTERM or SIGINT, then closing cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

from faststream import FastStream

logger = logging.getLogger("cheatcode.runner")


async def serve(app: FastStream, *, stop: asyncio.Event | None = None) -> None:
    """Start ``app``, wait for a stop signal (or ``stop``), then stop it: NATS is drained."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        await app.start()
        logger.info("service started")
        await stop.wait()
        logger.info("stopping")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await app.stop()


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def run(app: FastStream) -> int:
    """Entry point of ``python -m cheatcode_<svc>``: serve until a signal; exit code 0."""
    configure_logging()
    asyncio.run(serve(app))
    return 0
