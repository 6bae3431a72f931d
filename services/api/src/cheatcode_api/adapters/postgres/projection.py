"""The projection extension point: one class per read model.

A projection names itself (its checkpoint row), lists the event type names it handles,
and applies one stored event inside a transaction the runner opened. ``apply`` must be a
pure function of the event (no clock, no randomness) so that a rebuild is identical; the
runner guarantees each position is applied at most once per checkpoint.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import asyncpg

from cheatcode_runtime.eventstore import StoredEvent


class Projection(ABC):
    name: ClassVar[str]
    handles: ClassVar[frozenset[str]]  # event ``type_name`` values

    @abstractmethod
    async def apply(self, conn: asyncpg.Connection, stored: StoredEvent) -> None:
        """Write the event's effect. Runs inside the runner's transaction."""
