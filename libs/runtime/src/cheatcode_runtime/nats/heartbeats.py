"""Heartbeats on the reply subject: how a caller learns within seconds that its command's owner died.

A command that may run long (a blocking shell command) states ``Command.heartbeat_seconds()``.
The caller then sends the request with the header ``Cc-Heartbeat: <seconds>`` and listens on
its own inbox; the owner, while its handler runs, publishes an empty message with
``Cc-Progress: working`` to the reply subject every that many seconds, and finally the reply.
A caller that hears nothing for ``MISSED_HEARTBEATS`` intervals gives up: the owner (or the
replica forwarding for it) is gone, and waiting for the command's whole work timeout would
only delay the 503. Requests without the header get no heartbeats, so a plain
``nc.request`` (which takes the first message as the answer) still works.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

HEARTBEAT_HEADER = "Cc-Heartbeat"  # request: "send me heartbeats every this many seconds"
PROGRESS_HEADER = "Cc-Progress"  # heartbeat: "still working on it" (no body)
WORKING = "working"
MISSED_HEARTBEATS = 3
MIN_INTERVAL, MAX_INTERVAL = 0.2, 30.0

logger = logging.getLogger("cheatcode.heartbeats")

Publish = Callable[[str, dict[str, str]], Awaitable[None]]  # (reply subject, headers)


def requested_interval(headers: Mapping[str, str] | None) -> float | None:
    """The interval a request asks for (clamped), or None if it asks for no heartbeats."""
    raw = (headers or {}).get(HEARTBEAT_HEADER)
    if raw is None:
        return None
    try:
        return min(max(float(raw), MIN_INTERVAL), MAX_INTERVAL)
    except ValueError:
        return None


def is_heartbeat(headers: Mapping[str, str] | None) -> bool:
    return bool(headers) and PROGRESS_HEADER in headers  # type: ignore[operator]


@contextlib.asynccontextmanager
async def heartbeats(publish: Publish, reply: str | None, interval: float | None) -> AsyncIterator[None]:
    """While the block runs, publish a heartbeat to ``reply`` every ``interval`` s (None: nothing)."""
    if not reply or interval is None:
        yield
        return

    async def beat() -> None:
        while True:  # the first one at once: the caller learns the command was taken
            try:
                await publish(reply, {PROGRESS_HEADER: WORKING})
            except Exception:  # a lost heartbeat is the caller's to notice; the work goes on
                logger.debug("heartbeat to %s failed", reply, exc_info=True)
            await asyncio.sleep(interval)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
