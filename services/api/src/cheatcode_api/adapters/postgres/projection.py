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
from bisect import bisect_left
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

import asyncpg

from cheatcode_runtime.eventstore import StoredEvent

Statement = tuple[str, tuple[Any, ...]]  # SQL and its arguments
KeyOf = Callable[[str, tuple[Any, ...]], Hashable | None]


class Projection(ABC):
    """Implement ``statements`` when an event's effect is SQL that needs no reads in Python
    (the fast path: the runner sends the statements of a whole batch in a few pipelined
    ``executemany`` round trips, in event order); otherwise implement ``apply``."""

    name: ClassVar[str]
    handles: ClassVar[frozenset[str]]  # event ``type_name`` values

    def statements(self, stored: StoredEvent) -> Sequence[Statement] | None:
        """The event's effect as statements to run in order; None: this projection uses ``apply``."""
        return None

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable | None:
        """The rows a statement touches, as a key global across projections, e.g.
        ``("projects", project_id)``: statements with different keys must touch (read or
        write) disjoint rows, so a batch may run them in any relative order, which lets it
        send each SQL of a whole batch in a few ``executemany`` rounds. Statements with one
        key keep their order. None (the default): ordered after everything before it."""
        return None

    async def apply(self, conn: asyncpg.Connection, stored: StoredEvent) -> None:
        """Write the event's effect. Runs inside the runner's transaction."""
        statements = self.statements(stored)
        if statements is None:
            raise NotImplementedError(f"{type(self).__name__} implements neither statements nor apply")
        for sql, args in statements:
            await conn.execute(sql, *args)


class StatementBatch:
    """Statements of consecutive events, sent as few ``executemany`` rounds as their keys allow.

    Each statement joins the earliest round of the same SQL that is not before the round
    of the last statement with its key (nor before the last unkeyed statement); otherwise
    it opens a new round at the end. Rounds run in order and the rows of a round in the
    order they were added, so statements of one key keep their event order, and only
    statements that commute (different keys) are moved past one another.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._rounds: list[tuple[str, list[tuple[Any, ...]]]] = []
        self._rounds_of: dict[str, list[int]] = {}  # SQL -> indexes of its rounds, ascending
        self._last_round: dict[Hashable, int] = {}  # key -> round of its latest statement
        self._floor = 0  # round of the latest unkeyed statement: nothing may run before it

    def add(self, statements: Sequence[Statement], key_of: KeyOf | None = None) -> None:
        for sql, args in statements:
            key = key_of(sql, args) if key_of is not None else None
            if key is None:
                self._floor = self._place(sql, args, len(self._rounds) - 1)
            else:
                self._last_round[key] = self._place(sql, args, max(self._floor, self._last_round.get(key, 0)))

    def _place(self, sql: str, args: tuple[Any, ...], earliest: int) -> int:
        indexes = self._rounds_of.setdefault(sql, [])
        found = bisect_left(indexes, earliest)
        if found < len(indexes):
            index = indexes[found]
        else:
            index = len(self._rounds)
            self._rounds.append((sql, []))
            indexes.append(index)
        self._rounds[index][1].append(args)
        return index

    async def flush(self, conn: asyncpg.Connection) -> None:
        rounds = self._rounds
        self._reset()
        for sql, rows in rounds:
            if len(rows) == 1:
                await conn.execute(sql, *rows[0])
            else:
                await conn.executemany(sql, rows)
