"""Planning a batch in Python while PostgreSQL applies the previous one.

Applying a batch costs two kinds of work of about equal size: Python's (decode each event,
choose its statements) and PostgreSQL's (execute them). Done one after the other, each side
waits half the time. A :class:`BatchPlan` is the Python half done ahead of the transaction:
the statements of the batch, chosen against the checkpoints the previous batch will leave.
:class:`BatchPipeline` plans batch N+1 (yielding to the event loop every few events, so that
batch N's round trips go on) while batch N's transaction is in flight, and starts N+1's
transaction only when N's has committed: transactions never overlap, and on any error the
runner restarts from the committed checkpoint as before.

A plan is only a guess about the checkpoints. The transaction checks them under its row
lock; when they differ (another applier moved them) or the plan could not be made (an event
that does not decode, a projection without statements), the batch is applied event by event
inside the transaction, exactly as without a plan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg

from cheatcode_api.adapters.postgres.projection import StatementBatch

if TYPE_CHECKING:
    from cheatcode_api.adapters.postgres.runner import Delivered, ProjectionRunner

PLAN_SLICE = 200  # events planned between two yields to the event loop (~5 ms of Python)


@dataclass(frozen=True)
class BatchPlan:
    messages: Sequence[Delivered]
    last: int  # stream position of the batch's last event
    assumed: Mapping[str, int]  # checkpoint per projection the statements were chosen against
    statements: StatementBatch | None  # None: apply event by event in the transaction

    @property
    def after(self) -> dict[str, int]:
        """The checkpoints once this batch has committed."""
        return {name: max(position, self.last) for name, position in self.assumed.items()}


class BatchPipeline:
    """Submit batches in stream order; at most one transaction is in flight.

    A failed transaction surfaces at the next ``submit`` or ``drain``: a caller about to wait for
    more events drains first, so that an idle runner neither hides an error nor delays a commit
    that read-your-writes waiters are waiting for."""

    def __init__(self, runner: ProjectionRunner, conn: asyncpg.Connection, checkpoints: Mapping[str, int]) -> None:
        self._runner = runner
        self._conn = conn
        self._assumed = dict(checkpoints)
        self._in_flight: asyncio.Task[None] | None = None

    async def submit(self, batch: Sequence[Delivered], positions: Sequence[int] | None = None) -> None:
        """Plan ``batch`` (while the previous one commits), then start its transaction."""
        plan = await self._runner.plan(batch, self._assumed, positions)
        await self.drain()
        self._in_flight = asyncio.create_task(self._runner.apply_plan(self._conn, plan))
        self._assumed = plan.after

    async def drain(self) -> None:
        """Wait for the transaction in flight; its error, if any, is raised here."""
        task, self._in_flight = self._in_flight, None
        if task is not None:
            await task

    async def aclose(self) -> None:
        """Abandon what is in flight (its transaction rolls back; the checkpoint says where to resume)."""
        task, self._in_flight = self._in_flight, None
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
