"""The projection extension point: one class per read model.

A projection names itself (its checkpoint row), lists the event type names it handles,
and applies one stored event inside a transaction the runner opened. ``apply`` must be a
pure function of the event (no clock, no randomness) so that a rebuild is identical; the
runner guarantees each position is applied at most once per checkpoint.

Events reach every projection in stream order, one event at a time across all projections,
inside one transaction per batch; so a projection may update a row another projection
inserted for an earlier event (the sandboxes projection sets ``projects.sandbox``). Such
projections must be rebuilt together — ``python -m cheatcode_api drop-read-models`` drops
every read model at once. Make SQL idempotent anyway (``ON CONFLICT DO NOTHING``,
``GREATEST``): it costs nothing and makes a replay from an older checkpoint harmless.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Sequence
from typing import Any, ClassVar

import asyncpg

from cheatcode_runtime.eventstore import StoredEvent

Statement = tuple[str, tuple[Any, ...]]  # SQL and its arguments


class Projection(ABC):
    """Implement ``statements`` when an event's effect is SQL that needs no reads in Python
    (the fast path: the runner sends the statements of a whole batch in a few pipelined
    ``executemany`` round trips, in event order); otherwise implement ``apply``."""

    name: ClassVar[str]
    handles: ClassVar[frozenset[str]]  # event ``type_name`` values

    def statements(self, stored: StoredEvent) -> Sequence[Statement] | None:
        """The event's effect as statements to run in order; None: this projection uses ``apply``."""
        return None

    async def apply(self, conn: asyncpg.Connection, stored: StoredEvent) -> None:
        """Write the event's effect. Runs inside the runner's transaction."""
        statements = self.statements(stored)
        if statements is None:
            raise NotImplementedError(f"{type(self).__name__} implements neither statements nor apply")
        for sql, args in statements:
            await conn.execute(sql, *args)


class StatementBatch:
    """Statements of consecutive events, run in their order, grouping runs of the same SQL
    into one ``executemany`` (one round trip for many rows)."""

    def __init__(self) -> None:
        self._pending: list[Statement] = []

    def add(self, statements: Sequence[Statement]) -> None:
        self._pending.extend(statements)

    async def flush(self, conn: asyncpg.Connection) -> None:
        pending, self._pending = self._pending, []
        start = 0
        while start < len(pending):
            sql = pending[start][0]
            end = start + 1
            while end < len(pending) and pending[end][0] == sql:
                end += 1
            if end - start == 1:
                await conn.execute(sql, *pending[start][1])
            else:
                await conn.executemany(sql, [args for _, args in pending[start:end]])
            start = end
