"""Projecting the log into a shadow schema: the live runner's apply path, without its lock.

The shadow has its own checkpoints (in its own schema) and is written by nobody else, so it
needs neither the applier lock nor checkpoint notifications (those would tell the live
schema's read-your-writes waiters about positions it has not reached). It reads the
EVENTS stream with the same ordered push consumer, in large batches, and stops at exactly
the position it is asked for, so that it can be compared with the live schema there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from cheatcode_api.adapters.postgres import checkpoints
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.pipeline import BatchPipeline
from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_api.adapters.postgres.runner import EventGapError, ProjectionRunner, position_of
from cheatcode_contracts import ContractRegistry
from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import all_events_filter

log = logging.getLogger(__name__)

ATTEMPTS = 5  # consumer restarts (a dropped or stalled delivery) before the rebuild gives up


class ShadowProjector:
    def __init__(
        self,
        database: Database,
        js: JetStreamContext,
        registry: ContractRegistry,
        projections: Sequence[Projection],
        *,
        batch_size: int = 10_000,
        idle_timeout: float = 5.0,
    ) -> None:
        self._js = js
        self._runner = ProjectionRunner(database, js, registry, projections, batch_size=batch_size, notify=False)
        self._batch_size = batch_size
        self._idle_timeout = idle_timeout
        self.applied = 0  # events delivered and applied so far

    async def checkpoints(self, conn: asyncpg.Connection) -> dict[str, int]:
        await checkpoints.ensure_rows(conn, self._runner.names)
        known = await checkpoints.read_all(conn)
        return {name: known[name] for name in self._runner.names}

    async def catch_up(self, conn: asyncpg.Connection, target: int) -> None:
        """Apply every event up to and including ``target`` (and none after it)."""
        for attempt in range(ATTEMPTS):
            known = await self.checkpoints(conn)
            start = min(known.values())
            if start >= target:
                return
            try:
                await self._follow(conn, known, target)
                return
            except (EventGapError, TimeoutError) as error:
                if attempt == ATTEMPTS - 1:
                    raise
                log.warning("shadow catch-up from %d restarts: %r", start, error)

    async def _follow(self, conn: asyncpg.Connection, known: dict[str, int], target: int) -> None:
        start = min(known.values())
        # Two batches' worth: one being planned while one commits (the messages are the memory).
        queue: asyncio.Queue[Msg] = asyncio.Queue(maxsize=self._batch_size * 2)
        sub = await self._js.subscribe(
            all_events_filter(),
            stream=EVENTS.name,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            config=api.ConsumerConfig(opt_start_seq=start + 1),
            cb=queue.put,
        )
        expected = start + 1
        pipeline = BatchPipeline(self._runner, conn, known)
        try:
            while expected <= target:
                batch, positions = await self._next_batch(queue, target)
                within = len(positions)  # the ordered consumer delivers in stream order
                while within and positions[within - 1] > target:
                    within -= 1
                if within < len(batch):  # past the target: what lies between must be deleted
                    await self._runner.verify_absent(expected, target + 1)
                if not within:
                    break
                wanted, positions = batch[:within], positions[:within]
                expected = await self._runner.check_contiguous(wanted, expected, positions)
                await pipeline.submit(wanted, positions)
                self.applied += len(wanted)
            await pipeline.drain()
        finally:
            await pipeline.aclose()
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        if expected <= target:  # the last positions up to the target were deleted from the stream
            async with conn.transaction():
                await checkpoints.lock_for_update(conn, self._runner.names)
                await checkpoints.advance(conn, self._runner.names, target, notify=False)

    async def _next_batch(self, queue: asyncio.Queue[Msg], target: int) -> tuple[list[Msg], list[int]]:
        """A full batch and its positions, short only where it reaches ``target``. Unlike the live
        runner (which commits what it has, for read-your-writes), a rebuild waits for the messages
        on their way: batches cut short by a moment's empty queue would cost it bulk writes,
        compaction and round trips (at the start, when delivery is still filling the queue, they did)."""
        batch = [await asyncio.wait_for(queue.get(), self._idle_timeout)]
        positions = [position_of(batch[0])]
        while len(batch) < self._batch_size and positions[-1] < target:
            msg = queue.get_nowait() if not queue.empty() else await asyncio.wait_for(queue.get(), self._idle_timeout)
            batch.append(msg)
            positions.append(position_of(msg))
        return batch, positions
