"""Executing requested runs: the handler of the agent's durable consumer on ``cc.evt.run.*``.

Every replica's consumer shares one durable (``CHEATCODE_RUN_CONSUMER``). A ``RunRequested``
message stays unacknowledged while its run executes, kept alive by heartbeats
(``Delivery.keep_alive``), and is acked once the run is terminal. Other run events are acked
at once. The run itself is the :class:`RunPolicy`'s business; this only maps it onto
deliveries.
"""

from __future__ import annotations

import asyncio
import logging

from cheatcode_agent.handlers.run_policy import RunLife, RunPolicy, RunTakenError
from cheatcode_contracts.runs import RunRequested
from cheatcode_runtime.consumer import Delivery
from cheatcode_runtime.observability.context import bound
from cheatcode_runtime.observability.metrics import RUNS_ACTIVE

logger = logging.getLogger("cheatcode.agent.worker")


class RunWorker:
    def __init__(self, policy: RunPolicy) -> None:
        self._policy = policy
        self._active: set[str] = set()

    @property
    def active_runs(self) -> tuple[str, ...]:
        return tuple(self._active)

    async def __call__(self, delivery: Delivery) -> None:
        event = delivery.event
        if not isinstance(event, RunRequested):
            return  # acked: only requests need a worker
        if event.run_id in self._active:
            delivery.leave()  # redelivered while we still run it: our heartbeat goes on
            return
        self._active.add(event.run_id)
        RUNS_ACTIVE.set(len(self._active))
        try:
            with bound(run=event.run_id, user=event.user_id):  # every log line of the run names it
                await self._run(event.run_id, delivery)
        finally:
            self._active.discard(event.run_id)
            RUNS_ACTIVE.set(len(self._active))

    async def _run(self, run_id: str, delivery: Delivery) -> None:
        try:
            life = await self._policy.claim(run_id)
        except RunTakenError:
            await delivery.nak()  # stopped or taken meanwhile: look again at once
            return
        if life is None:
            return
        await self._execute(life, delivery)

    async def _execute(self, life: RunLife, delivery: Delivery) -> None:
        try:
            async with delivery.keep_alive():
                await self._policy.execute(life)
        except asyncio.CancelledError:
            # The policy ended the run (failed: shutdown); confirm it so nobody takes it over.
            await asyncio.shield(self._ack_quietly(delivery))
            raise

    @staticmethod
    async def _ack_quietly(delivery: Delivery) -> None:
        try:
            await delivery.ack()
        except Exception:
            logger.warning("could not ack run message #%d at shutdown", delivery.stream_seq, exc_info=True)
