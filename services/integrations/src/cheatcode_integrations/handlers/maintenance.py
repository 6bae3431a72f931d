"""Our own scheduler of the maintenance tasks, for when no Inngest server drives them.

Every replica ticks; for each task and each period (``interval_seconds`` slots of wall-clock
time) the first replica to take the slot's lease sends the task's command to its owner, so a
command goes out once per period however many replicas run. The handlers are the owners'.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from cheatcode_contracts import Command, CommandReply
from cheatcode_contracts.maintenance import MaintenanceTask
from cheatcode_integrations.ports.locks import Leases

logger = logging.getLogger("cheatcode.maintenance")

Send = Callable[[Command], Awaitable[CommandReply]]


class MaintenanceScheduler:
    def __init__(
        self,
        tasks: Sequence[MaintenanceTask],
        send: Send,
        leases: Leases,
        holder: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tasks, self._send, self._leases, self._holder, self._clock = tasks, send, leases, holder, clock
        self._fired: set[str] = set()

    async def tick(self) -> list[str]:
        """Send every task whose current slot nobody took yet; the names of the slots this replica took."""
        fired: list[str] = []
        now = self._clock()
        for task in self._tasks:
            slot = f"{task.fn_id}-{int(now // task.interval_seconds)}"
            if slot in self._fired or not await self._leases.acquire(slot, self._holder):
                continue
            self._fired.add(slot)
            try:
                reply = await self._send(task.command())
                logger.info("maintenance %s: sent (ok=%s)", slot, reply.ok)
            except Exception as error:
                logger.warning("maintenance %s: %s", slot, error)
            fired.append(slot)
        return fired

    async def run_forever(self, every: float = 30.0) -> None:
        while True:
            try:
                await self.tick()
            except Exception as error:
                logger.warning("maintenance tick failed: %s", error)
            await asyncio.sleep(every)
