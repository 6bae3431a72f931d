"""Read-your-writes: wait until a projection's checkpoint reaches a position.

Every replica LISTENs on the runner's notification channel over a dedicated connection;
the runner in this process also reports its commits directly (no round trip). Should a
notification be lost (listener reconnecting), waiters re-read the checkpoint from the
pool every ``poll_interval`` while they wait, so a wait never hangs on a missed message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

import asyncpg

from cheatcode_api.adapters.postgres import checkpoints
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.ports.read_models import CheckpointWaiter, ReadModelLagError

log = logging.getLogger(__name__)


class PostgresCheckpointWaiter(CheckpointWaiter):
    def __init__(
        self,
        database: Database,
        pool: asyncpg.Pool,
        *,
        default_timeout: float = 10.0,
        poll_interval: float = 0.5,
        reconnect_delay: float = 1.0,
    ) -> None:
        self._database = database
        self._pool = pool
        self._default_timeout = default_timeout
        self._poll_interval = poll_interval
        self._reconnect_delay = reconnect_delay
        self._known: dict[str, int] = {}
        self._advanced = asyncio.Event()

    def observe(self, names: Sequence[str], position: int) -> None:
        """Record that ``names`` reached ``position`` and wake the waiters."""
        for name in names:
            if position > self._known.get(name, 0):
                self._known[name] = position
        advanced, self._advanced = self._advanced, asyncio.Event()
        advanced.set()

    async def checkpoint(self, projection: str) -> int:
        return self._known.get(projection, 0)

    async def wait_for(self, projection: str, position: int, *, within: float | None = None) -> None:
        deadline = time.monotonic() + (self._default_timeout if within is None else within)
        while self._known.get(projection, 0) < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadModelLagError(projection, position)
            advanced = self._advanced
            try:
                await asyncio.wait_for(advanced.wait(), min(remaining, self._poll_interval))
            except TimeoutError:
                await self._poll()

    async def _poll(self) -> None:
        with contextlib.suppress(asyncpg.PostgresError, OSError):
            for name, position in (await checkpoints.read_all(self._pool)).items():
                self.observe([name], position)

    async def listen(self) -> None:
        """Keep a LISTEN connection open forever (run as a task)."""
        while True:
            try:
                conn = await self._database.connect()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("checkpoint listener cannot connect: %s", error)
                await asyncio.sleep(self._reconnect_delay)
                continue
            closed = asyncio.Event()
            conn.add_termination_listener(lambda _conn, closed=closed: closed.set())
            try:
                await conn.add_listener(checkpoints.NOTIFY_CHANNEL, self._on_notify)
                await self._poll()  # catch up on what happened while not listening
                await closed.wait()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("checkpoint listener lost its connection: %s", error)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=2))
            await asyncio.sleep(self._reconnect_delay)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            names, position = checkpoints.parse_notify_payload(payload)
        except ValueError:
            log.warning("ignoring malformed checkpoint notification %r", payload)
            return
        self.observe(names, position)
