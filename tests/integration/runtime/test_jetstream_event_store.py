from __future__ import annotations

import pytest
from nats.aio.client import Client

from cheatcode_contracts import build_registry
from cheatcode_runtime.eventstore import EventStore, JetStreamEventStore
from tests.support.eventstore_conformance import EventStoreConformance


class TestJetStreamEventStore(EventStoreConformance):
    @pytest.fixture
    def event_store(self, nats_client: Client) -> EventStore:
        return JetStreamEventStore(nats_client.jetstream(), build_registry())
