"""The event store on the agent's own NATS connection."""

from __future__ import annotations

from nats.aio.client import Client

from cheatcode_agent.config import Settings
from cheatcode_contracts import build_registry
from cheatcode_runtime.eventstore import EventStore, JetStreamEventStore


def jetstream_event_store(client: Client, settings: Settings) -> EventStore:
    return JetStreamEventStore(
        client.jetstream(),
        build_registry(),
        stream=settings.events_stream,
        timeout=settings.event_store_timeout,
        reconnect_deadline=settings.nats_retry_deadline,
    )
