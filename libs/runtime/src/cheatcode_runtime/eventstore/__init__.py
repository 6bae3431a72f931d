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

__all__ = [
    "AggregateHistory",
    "AppendResult",
    "ConcurrencyError",
    "EventStore",
    "EventStoreUnavailableError",
    "InMemoryEventStore",
    "JetStreamEventStore",
    "StoredEvent",
]
