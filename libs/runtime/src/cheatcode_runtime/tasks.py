"""Stopping asyncio tasks for sure."""

from __future__ import annotations

import asyncio
from typing import Any


async def cancel_until_done(task: asyncio.Task[Any], *, attempts: int = 40) -> None:
    """Cancel ``task`` and wait for it, cancelling again if it swallowed the cancellation.

    nats-py's ``flush()`` catches ``CancelledError``: a task cancelled while flushing goes
    on as if nothing happened, and a plain ``await task`` would wait for it forever. Its
    exception, if it ended with one, is retrieved (it was logged where it happened).
    """
    for _ in range(attempts):
        if task.done():
            break
        task.cancel()
        await asyncio.wait({task}, timeout=0.25)
    if task.done() and not task.cancelled():
        task.exception()
