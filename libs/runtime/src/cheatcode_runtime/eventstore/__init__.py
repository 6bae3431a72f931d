"""The event store port, its in-memory driver and the generic repository.

Importing this package loads no NATS client: the JetStream driver is imported on first use
of ``JetStreamEventStore`` (or directly from ``cheatcode_runtime.eventstore.jetstream``), so
domain code and unit tests that only need the port stay free of drivers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cheatcode_runtime.eventstore.memory import InMemoryEventStore
from cheatcode_runtime.eventstore.port import (
    AggregateHistory,
    AppendResult,
    ConcurrencyError,
    EventStore,
    EventStoreUnavailableError,
    StoredEvent,
)
from cheatcode_runtime.eventstore.repository import (
    Aggregate,
    Loaded,
    PositionedAggregate,
    Repository,
    TooManyConflictsError,
)

if TYPE_CHECKING:
    from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore


def __getattr__(name: str) -> Any:
    if name == "JetStreamEventStore":
        from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore

        return JetStreamEventStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Aggregate",
    "AggregateHistory",
    "AppendResult",
    "ConcurrencyError",
    "EventStore",
    "EventStoreUnavailableError",
    "InMemoryEventStore",
    "JetStreamEventStore",
    "Loaded",
    "PositionedAggregate",
    "Repository",
    "StoredEvent",
    "TooManyConflictsError",
]
