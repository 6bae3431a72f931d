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
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, ClassVar

import asyncpg

from cheatcode_api.adapters.postgres.bulk import BULK_MIN_ROWS, BulkInsert
from cheatcode_runtime.eventstore import StoredEvent

Statement = tuple[str, tuple[Any, ...]]  # SQL and its arguments
KeyOf = Callable[[str, tuple[Any, ...]], Hashable | None]
Combine = Callable[[tuple[Any, ...], tuple[Any, ...]], tuple[Any, ...]]  # (earlier args, later args) -> args


class Projection(ABC):
    """Implement ``statements`` when an event's effect is SQL that needs no reads in Python
    (the fast path: the runner sends the statements of a whole batch in a few pipelined
    ``executemany`` round trips, in event order); otherwise implement ``apply``."""

    name: ClassVar[str]
    handles: ClassVar[frozenset[str]]  # event ``type_name`` values
    # Batch compaction (both keyed by SQL; both need ``statement_key``). ``once``: a repeat of the
    # statement for a key it already ran for in the batch changes nothing (an insert that makes
    # sure a row exists, of a row nothing deletes). ``combine``: two consecutive statements of
    # one key (nothing else touched the key between them) have the effect of the one statement
    # ``combine(earlier, later)`` (a last-writer-wins or GREATEST update).
    once: ClassVar[frozenset[str]] = frozenset()
    combine: ClassVar[Mapping[str, Combine]] = {}
    # A statement's bulk form (keyed by SQL): the same effect for a whole round of its rows
    # (see bulk.py), used for rounds of BULK_MIN_ROWS rows or more.
    bulk: ClassVar[Mapping[str, BulkInsert]] = {}

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

    The projection's compaction rules (``once``, ``combine``) then drop what a batch repeats:
    a thread touched by 60 messages of a batch is updated once, not 60 times.
    """

    def __init__(self, bulk: Mapping[str, BulkInsert] | None = None) -> None:
        self._bulk = dict(bulk or {})  # SQL -> its bulk form (every projection's, see Projection.bulk)
        self._reset()

    def _reset(self) -> None:
        self._rounds: list[tuple[str, list[tuple[Any, ...]]]] = []
        self._rounds_of: dict[str, list[int]] = {}  # SQL -> indexes of its rounds, ascending
        self._last_round: dict[Hashable, int] = {}  # key -> round of its latest statement
        self._floor = 0  # round of the latest unkeyed statement: nothing may run before it
        self._ran_once: set[tuple[str, Hashable]] = set()  # (SQL, key) of ``once`` statements placed
        self._latest_row: dict[tuple[str, Hashable], tuple[int, int, int]] = {}  # -> (round, row, barriers)
        self._barriers = 0  # unkeyed statements placed so far

    def add(
        self,
        statements: Sequence[Statement],
        key_of: KeyOf | None = None,
        *,
        once: frozenset[str] = frozenset(),
        combine: Mapping[str, Combine] | None = None,
    ) -> None:
        # The hot path of a rebuild's planning (two or three statements per event): locals.
        rounds, last_round, latest_row = self._rounds, self._last_round, self._latest_row
        for sql, args in statements:
            key = key_of(sql, args) if key_of is not None else None
            if key is None:
                self._floor = self._place(sql, args, len(rounds) - 1)[0]
                self._barriers += 1
                self._ran_once.clear()  # an unkeyed statement may have undone what they made sure of
                continue
            if sql in once:
                if (sql, key) in self._ran_once:
                    continue
                self._ran_once.add((sql, key))
            last = last_round.get(key, 0)
            merge = combine.get(sql) if combine else None
            if merge is not None:
                slot = (sql, key)
                latest = latest_row.get(slot)
                # The key's latest statement is this SQL's row (a round holds one SQL), and no
                # unkeyed statement came after it: the two are consecutive for the key.
                if latest is not None and latest[0] == last and latest[2] == self._barriers:
                    rows = rounds[last][1]
                    rows[latest[1]] = merge(rows[latest[1]], args)
                    continue
            index, row = self._place(sql, args, last if last > self._floor else self._floor)
            last_round[key] = index
            if merge is not None:
                latest_row[slot] = (index, row, self._barriers)

    def _place(self, sql: str, args: tuple[Any, ...], earliest: int) -> tuple[int, int]:
        """Add the row to the first round of ``sql`` at or after ``earliest``; (round, row) it took."""
        indexes = self._rounds_of.get(sql)
        if indexes is not None and indexes[-1] >= earliest:  # a round of this SQL at or after it
            index = indexes[0] if len(indexes) == 1 else indexes[bisect_left(indexes, earliest)]
            rows = self._rounds[index][1]
        else:
            index, rows = len(self._rounds), []
            self._rounds.append((sql, rows))
            if indexes is None:
                self._rounds_of[sql] = [index]
            else:
                indexes.append(index)
        rows.append(args)
        return index, len(rows) - 1

    async def flush(self, conn: asyncpg.Connection) -> None:
        rounds = self._rounds
        self._reset()
        for sql, rows in rounds:
            writer = self._bulk.get(sql)
            if writer is not None and len(rows) >= BULK_MIN_ROWS:
                await writer.write(conn, rows)
            elif len(rows) == 1:
                await conn.execute(sql, *rows[0])
            else:
                await conn.executemany(sql, rows)
