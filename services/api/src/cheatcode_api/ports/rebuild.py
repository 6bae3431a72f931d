"""Zero-downtime rebuild of every read model, with proof.

A rebuild projects the whole log into a shadow schema while the live one keeps serving,
compares the two row for row at one checkpoint, and swaps them only when they are equal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TableComparison:
    table: str
    live_rows: int
    shadow_rows: int
    only_live: int  # rows (with multiplicity) the live table has and the shadow lacks
    only_shadow: int
    sample_only_live: list[dict[str, Any]] = field(default_factory=list)
    sample_only_shadow: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None  # a table or columns present on one side only

    @property
    def equal(self) -> bool:
        return self.only_live == 0 and self.only_shadow == 0 and self.note is None


@dataclass(frozen=True)
class RebuildReport:
    equal: bool
    swapped: bool
    compared_at: int  # the checkpoint both schemas were compared at
    swapped_at: int | None  # the checkpoint of the swap (both advanced by the same events since)
    events_projected: int
    projection_seconds: float  # the log projected into the shadow, up to compared_at
    index_seconds: float  # the shadow's read-only indexes built (during the comparison)
    total_seconds: float
    shadow_schema: str | None  # kept for inspection when not swapped
    tables: list[TableComparison]

    @property
    def events_per_second(self) -> float:
        return self.events_projected / self.projection_seconds if self.projection_seconds > 0 else 0.0

    @property
    def differences(self) -> list[TableComparison]:
        return [table for table in self.tables if not table.equal]


class RebuildInProgressError(Exception):
    """Another rebuild holds the rebuild lock (in any API replica or CLI)."""


class ReadModelRebuilder(ABC):
    @abstractmethod
    async def rebuild(self, *, swap: bool = True) -> RebuildReport:
        """Project the log into a shadow schema, compare, and swap when equal (and ``swap``)."""
