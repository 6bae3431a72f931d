"""Composition root: builds the billing service from its settings. Nothing runs at import time."""

from __future__ import annotations

from collections.abc import Sequence

from nats.aio.client import Client

from cheatcode_billing import SERVICE
from cheatcode_billing.adapters.jetstream_accounts import JetStreamAccountDirectory
from cheatcode_billing.adapters.openrouter_prices import OpenRouterPrices
from cheatcode_billing.config import Settings
from cheatcode_billing.entrypoint.app import Deps, Registration, document_events, register_accounts
from cheatcode_billing.entrypoint.byok import register_byok
from cheatcode_billing.entrypoint.metering import register_metering
from cheatcode_billing.entrypoint.payments import register_payments
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_billing.ports.accounts import AccountDirectory
from cheatcode_contracts import build_registry
from cheatcode_runtime.eventstore import EventStore, JetStreamEventStore
from cheatcode_runtime.service import Late, ServiceHost, build_service

# Every subscriber group of the service; a new use case appends its registration here.
REGISTRATIONS: tuple[Registration, ...] = (
    register_accounts,
    document_events,
    register_metering,
    register_payments,  # Polar checkout and webhook (entrypoint/payments.py)
    register_byok,  # the user's own OpenRouter key (entrypoint/byok.py)
)


def build(settings: Settings, registrations: Sequence[Registration] = REGISTRATIONS) -> ServiceHost:
    host = build_service(
        SERVICE, settings, description="Plans, quotas, usage metering, BYOK keys, Polar checkout and webhooks."
    )
    event_store: Late[EventStore] = Late("event store")
    directory: Late[AccountDirectory] = Late("account directory")
    nats: Late[Client] = Late("nats")
    prices = OpenRouterPrices(settings.openrouter_url, ttl=settings.prices_ttl)
    billing = BillingDeps(store=event_store.get, prices=prices, directory=directory.get)
    deps = Deps(settings=settings, event_store=event_store, nats=nats, billing=billing)

    async def on_connect(client: Client) -> None:
        nats.set(client)
        js = client.jetstream()
        registry = build_registry()
        event_store.set(
            JetStreamEventStore(js, registry, stream=settings.events_stream, timeout=settings.event_store_timeout)
        )
        directory.set(JetStreamAccountDirectory(js, settings.events_stream))

    host.on_connect(on_connect)
    for register in registrations:
        register(host, deps)
    return host
