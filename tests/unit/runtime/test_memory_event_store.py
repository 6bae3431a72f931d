from __future__ import annotations

import pytest

from cheatcode_runtime.eventstore import EventStore, InMemoryEventStore
from tests.support.eventstore_conformance import EventStoreConformance


class TestInMemoryEventStore(EventStoreConformance):
    @pytest.fixture
    def event_store(self) -> EventStore:
        return InMemoryEventStore()
