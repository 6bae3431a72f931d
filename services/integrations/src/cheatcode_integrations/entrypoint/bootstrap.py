"""Composition root: builds the integrations service from its settings. Nothing runs at import time.

This is the only place adapters are built. Shared resources (the NATS client, the event
store) are made once on connect; each feature has its own ``build_<feature>`` below that
returns its deps (adapters it can build now, ``Late`` ones it fills in its own on-connect
callback) and one field in ``app.Deps``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from nats.aio.client import Client

from cheatcode_contracts import build_registry
from cheatcode_contracts.composio import PROFILES
from cheatcode_integrations import SERVICE
from cheatcode_integrations.adapters.composio_http import ComposioHttpApi
from cheatcode_integrations.adapters.kv_toolkit_cache import KvToolkitCache
from cheatcode_integrations.config import Settings
from cheatcode_integrations.domain import profiles
from cheatcode_integrations.entrypoint.app import Deps, Registration, register_composio
from cheatcode_integrations.handlers.composio_deps import ComposioDeps
from cheatcode_integrations.ports.composio import ToolkitCache
from cheatcode_runtime.eventstore import EventStore, JetStreamEventStore, Repository
from cheatcode_runtime.secrets import SecretBox
from cheatcode_runtime.secrets.nats_kv import NatsKvKeyStore, data_keys_bucket
from cheatcode_runtime.service import Late, ServiceHost, build_service

logger = logging.getLogger("cheatcode.integrations")

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
    config = settings.composio
    api = (
        ComposioHttpApi(
            config.api_key.get_secret_value(),
            config.base_url,
            timeout=config.timeout_seconds,
            retries=config.retries,
        )
        if config.api_key is not None and config.configured
        else None
    )
    if api is None:
        logger.warning("COMPOSIO_API_KEY is not set: Composio routes answer 503")
    master_keys = settings.encryption_key.get_secret_value() if settings.encryption_key else ""
    box: Late[SecretBox] | None = Late("secret box") if master_keys else None
    toolkit_cache: Late[ToolkitCache] = Late("toolkit cache")

    async def on_connect(client: Client) -> None:
        js = client.jetstream()
        toolkit_cache.set(await KvToolkitCache.open(js, config.toolkit_cache_bucket, config.toolkit_cache_seconds))
        if box is not None:
            keystore = await NatsKvKeyStore.open(js, data_keys_bucket(SERVICE))
            box.set(SecretBox.from_setting(keystore, master_keys))

    async def on_shutdown() -> None:
        if api is not None:
            await api.close()

    host.on_connect(on_connect)
    host.app.on_shutdown(on_shutdown)
    return ComposioDeps(
        settings=config,
        profiles=Repository(event_store.get, PROFILES, profiles.initial),
        api=api,
        toolkit_cache=toolkit_cache,
        secret_box=box,
    )

