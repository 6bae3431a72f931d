"""Stopping tasks that swallow a cancellation, as nats-py's flush() does."""

from __future__ import annotations

import asyncio

from cheatcode_runtime.tasks import cancel_until_done


async def stubborn(swallow: int, log: list[str]) -> None:
    while True:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            if swallow == 0:
                log.append("gave up")
                raise
            swallow -= 1
            log.append("swallowed")


async def test_a_task_that_swallows_cancellations_is_cancelled_again() -> None:
    log: list[str] = []
    task = asyncio.create_task(stubborn(2, log))
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_until_done(task), 5)
    assert task.cancelled() and log == ["swallowed", "swallowed", "gave up"]


async def test_a_finished_task_is_left_alone() -> None:
    task = asyncio.create_task(asyncio.sleep(0, result=7))
    await task
    await cancel_until_done(task)
    assert task.result() == 7
