"""Composition root: builds the integrations service from its settings. Nothing runs at import time.

This is the only place adapters are built. Shared resources (the NATS client, the event
store) are made once on connect; each feature has its own ``build_<feature>`` below that
returns its deps (adapters it can build now, ``Late`` ones it fills in its own on-connect
callback) and one field in ``app.Deps``.
"""

from __future__ import annotations

from collections.abc import Sequence

from nats.aio.client import Client

from cheatcode_contracts import build_registry
from cheatcode_integrations import SERVICE
from cheatcode_integrations.config import Settings
from cheatcode_integrations.entrypoint.app import Deps, Registration, register_composio
from cheatcode_integrations.handlers.composio_deps import ComposioDeps
from cheatcode_runtime.eventstore import EventStore, JetStreamEventStore
from cheatcode_runtime.service import Late, ServiceHost, build_service

# Every subscriber group of the service; a new feature appends its registration here.
REGISTRATIONS: tuple[Registration, ...] = (register_composio,)


def build(settings: Settings, registrations: Sequence[Registration] = REGISTRATIONS) -> ServiceHost:
    host = build_service(
        SERVICE, settings, description="Composio profiles and MCP, Vercel deployments, email, feature flags."
    )
    nats: Late[Client] = Late("nats")
    event_store: Late[EventStore] = Late("event store")

    async def on_connect(client: Client) -> None:
        nats.set(client)
        event_store.set(
            JetStreamEventStore(
                client.jetstream(),
                build_registry(),
                stream=settings.events_stream,
                timeout=settings.event_store_timeout,
            )
        )

    host.on_connect(on_connect)  # first: the features' callbacks below may use these
    deps = Deps(
        settings=settings,
        nats=nats,
        event_store=event_store,
        composio=build_composio(settings, host, nats, event_store),
    )
    for register in registrations:
        register(host, deps)
    return host


def build_composio(
    settings: Settings, host: ServiceHost, nats: Late[Client], event_store: Late[EventStore]
) -> ComposioDeps:
    """Composio's HTTP client (only with an API key), the toolkit cache and the secret box."""
    return ComposioDeps(settings=settings.composio)
