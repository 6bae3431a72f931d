"""A round of one INSERT's rows written in bulk: ``COPY`` instead of one statement per row.

A statement per row costs PostgreSQL an executor start and its round of protocol messages
each time; during a rebuild that is most of the database's work (a projected event costs
two rows). ``COPY`` moves the same rows for a fraction of it (measured: 15 µs a row through
``executemany``, 7 through ``COPY``, Python side included). But ``COPY`` has no
``ON CONFLICT`` and no per-row lookups, so a :class:`BulkInsert` does in Python what the
statement did in SQL, and must have exactly the effect of running the statement for each
row in order (tests/integration/api/adapters/postgres/test_bulk.py runs both and compares).

A projection names its bulk forms in ``Projection.bulk``; :class:`~.projection.StatementBatch`
uses one for a round of at least ``BULK_MIN_ROWS`` rows (a live runner's small batches keep
their single round trip).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import asyncpg

BULK_MIN_ROWS = 64  # below it, COPY's extra round trips cost more than they save
Row = tuple[Any, ...]


class BulkInsert(ABC):
    """Many rows of one statement at once, with the effect of the statement run row by row."""

    @abstractmethod
    async def write(self, conn: asyncpg.Connection, rows: Sequence[Row]) -> None: ...


@dataclass(frozen=True)
class InsertNew(BulkInsert):
    """``INSERT INTO table (columns) VALUES (...) ON CONFLICT (key) DO NOTHING``.

    In bulk: rows whose key the table already holds, or an earlier row of the round repeats,
    are left out (the first row of a key wins, as with the statement), the others copied.
    ``key`` maps each key column to its SQL type (for the one lookup of existing keys).
    """

    table: str
    columns: tuple[str, ...]
    key: Mapping[str, str]

    @property
    def sql(self) -> str:
        """The row-by-row statement (its text is the round's identity in a StatementBatch)."""
        values = ", ".join(f"${index}" for index in range(1, len(self.columns) + 1))
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({values})\n"
            f"ON CONFLICT ({', '.join(self.key)}) DO NOTHING"
        )

    async def write(self, conn: asyncpg.Connection, rows: Sequence[Row]) -> None:
        key_of = itemgetter(*(self.columns.index(name) for name in self.key))  # a key of one column: the value
        first: dict[Any, Row] = {}
        for row in rows:
            first.setdefault(key_of(row), row)
        existing = await self._existing(conn, list(first))
        fresh = [row for key, row in first.items() if key not in existing]
        if fresh:
            await conn.copy_records_to_table(self.table, records=fresh, columns=list(self.columns))

    async def _existing(self, conn: asyncpg.Connection, keys: list[Any]) -> set[Any]:
        """The ``keys`` (values, or tuples for a key of several columns) the table holds."""
        if not keys:
            return set()
        columns = ", ".join(self.key)  # our own identifiers, written as in ``sql``
        arrays = ", ".join(f"${index}::{kind}[]" for index, kind in enumerate(self.key.values(), 1))
        sql = f"SELECT {columns} FROM {self.table} WHERE ({columns}) IN (SELECT * FROM unnest({arrays}))"
        if len(self.key) == 1:
            return {record[0] for record in await conn.fetch(sql, keys)}
        found = await conn.fetch(sql, *(list(column) for column in zip(*keys, strict=True)))
        return {tuple(record) for record in found}
