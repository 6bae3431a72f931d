from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore
from cheatcode_runtime.eventstore.memory import InMemoryEventStore
from cheatcode_runtime.eventstore.port import (
    AggregateHistory,
    AppendResult,
    ConcurrencyError,
    EventStore,
    EventStoreUnavailableError,
    StoredEvent,
)
from cheatcode_runtime.eventstore.repository import Aggregate, Loaded, Repository, TooManyConflictsError

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
    "Repository",
    "StoredEvent",
    "TooManyConflictsError",
]
