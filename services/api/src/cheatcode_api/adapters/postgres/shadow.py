"""Projecting the log into a shadow schema: the live runner's apply path, without its lock.

The shadow has its own checkpoints (in its own schema) and is written by nobody else, so it
needs neither the applier lock nor checkpoint notifications (those would tell the live
schema's read-your-writes waiters about positions it has not reached). It reads the
EVENTS stream in whole batches through a pull consumer and a raw subscription
(``adapters/nats/pulled_events.py``: no ``Msg`` per event), and stops at exactly the
position it is asked for, so that it can be compared with the live schema there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg
from nats.js import JetStreamContext

from cheatcode_api.adapters.nats.pulled_events import PulledEvents, PullInterruptedError
from cheatcode_api.adapters.postgres import checkpoints
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.pipeline import BatchPipeline
from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_api.adapters.postgres.runner import EventGapError, ProjectionRunner
from cheatcode_contracts import ContractRegistry
from cheatcode_runtime.nats import LeanHeaderClient

log = logging.getLogger(__name__)

ATTEMPTS = 5  # consumer restarts (a dropped or stalled delivery) before the rebuild gives up


def client_of(js: JetStreamContext) -> LeanHeaderClient:
    """The connection under ``js`` (nats-py keeps it as ``_nc``): every service connects with a
    :class:`LeanHeaderClient`, whose raw subscriptions the shadow reads the log through."""
    nc = js._nc
    if not isinstance(nc, LeanHeaderClient):
        raise TypeError("a rebuild reads the log through cheatcode_runtime.nats.connect's client")
    return nc


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
        self._nc = client_of(js)
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
            except (EventGapError, PullInterruptedError, TimeoutError) as error:
                if attempt == ATTEMPTS - 1:
                    raise
                log.warning("shadow catch-up from %d restarts: %r", start, error)

    async def _follow(self, conn: asyncpg.Connection, known: dict[str, int], target: int) -> None:
        start = min(known.values())
        expected = start + 1
        pipeline = BatchPipeline(self._runner, conn, known)
        try:
            async with PulledEvents(self._nc, expected, self._batch_size, idle_timeout=self._idle_timeout) as events:
                while expected <= target:
                    batch, positions = await events.next_batch(target)
                    within = len(positions)  # in stream order: only the last may lie past the target
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
        if expected <= target:  # the last positions up to the target were deleted from the stream
            async with conn.transaction():
                await checkpoints.lock_for_update(conn, self._runner.names)
                await checkpoints.advance(conn, self._runner.names, target, notify=False)
