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
