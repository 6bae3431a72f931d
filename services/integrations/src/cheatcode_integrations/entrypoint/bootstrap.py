"""Composition root: builds the integrations service from its settings. Nothing runs at import time.

This is the only place adapters are built. Shared resources (the NATS client, the event
store) are made once on connect; each feature has its own ``build_<feature>`` below that
returns its deps (adapters it can build now, ``Late`` ones it fills in its own on-connect
callback) and one field in ``app.Deps``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from nats.aio.client import Client

from cheatcode_contracts import build_registry
from cheatcode_contracts.composio import PROFILES
from cheatcode_contracts.deployments import DEPLOYMENT
from cheatcode_contracts.email import EMAIL
from cheatcode_contracts.maintenance import MAINTENANCE_TASKS, inngest_configured
from cheatcode_integrations import SERVICE
from cheatcode_integrations.adapters.composio_http import ComposioHttpApi
from cheatcode_integrations.adapters.flags_bucket import ensure_flags_bucket
from cheatcode_integrations.adapters.kv_leases import KeyValueLeases
from cheatcode_integrations.adapters.kv_toolkit_cache import KvToolkitCache
from cheatcode_integrations.adapters.sandbox_workspace import SandboxWorkspace
from cheatcode_integrations.adapters.smtp_mailer import SmtpMailer
from cheatcode_integrations.adapters.unconfigured_mailer import UnconfiguredMailer
from cheatcode_integrations.adapters.vercel_http import HttpVercel
from cheatcode_integrations.config import Settings
from cheatcode_integrations.domain import deployment, email as email_domain, profiles
from cheatcode_integrations.entrypoint.app import Deps, Registration, register_composio
from cheatcode_integrations.entrypoint.deployments import register_deployments
from cheatcode_integrations.entrypoint.email import register_email
from cheatcode_integrations.entrypoint.maintenance import register_maintenance
from cheatcode_integrations.handlers.composio_deps import ComposioDeps
from cheatcode_integrations.handlers.deployment_deps import DeploymentDeps, DeploymentTiming
from cheatcode_integrations.handlers.email_outbox import EmailDeps, EmailTiming
from cheatcode_integrations.handlers.maintenance import MaintenanceScheduler
from cheatcode_integrations.ports.composio import ToolkitCache
from cheatcode_integrations.ports.mailer import Mailer
from cheatcode_runtime.eventstore import EventStore, JetStreamEventStore, Repository
from cheatcode_runtime.nats import CommandClient
from cheatcode_runtime.secrets import SecretBox
from cheatcode_runtime.secrets.nats_kv import NatsKvKeyStore, data_keys_bucket
from cheatcode_runtime.service import Late, ServiceHost, build_service

logger = logging.getLogger("cheatcode.integrations")
SCHEDULE_BUCKET = "integrations_schedule"  # one lease per maintenance task and period

# Every subscriber group of the service; a new feature appends its registration here.
REGISTRATIONS: tuple[Registration, ...] = (
    register_composio,
    register_deployments,
    register_email,
    register_maintenance,
)


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
    host.on_connect(lambda client: ensure_flags_bucket(client.jetstream()))  # feature flags (read by the API)
    deps = Deps(
        settings=settings,
        nats=nats,
        event_store=event_store,
        composio=build_composio(settings, host, nats, event_store),
        deployments=build_deployments(settings, host, event_store),
        email=build_email(settings, host, event_store),
        maintenance=build_maintenance(settings, host),
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


def build_deployments(settings: Settings, host: ServiceHost, event_store: Late[EventStore]) -> Late[DeploymentDeps]:
    """Vercel's HTTP client, the sandbox workspace over commands, per-user leases in NATS KV."""
    config, workflow = settings.vercel, settings.deploy
    vercel = HttpVercel(
        token=config.token,
        base_url=config.api_url,
        team_id=config.team_id,
        timeout=config.timeout_seconds,
        upload_timeout=config.upload_timeout_seconds,
        retries=config.retries,
    )
    if not vercel.configured:
        logger.warning("VERCEL_BEARER_TOKEN is not set: deploy routes answer 503")
    timing = DeploymentTiming(
        debounce_seconds=workflow.debounce_seconds,
        poll_seconds=workflow.poll_seconds,
        follow_timeout_seconds=workflow.follow_timeout_seconds,
        max_attempts=workflow.max_attempts,
        retry_backoff_seconds=workflow.retry_backoff_seconds,
        lease_seconds=workflow.lease_seconds,
    )
    feature: Late[DeploymentDeps] = Late("deployments")

    async def on_connect(client: Client) -> None:
        feature.set(
            DeploymentDeps(
                repository=Repository(event_store.get, DEPLOYMENT, deployment.initial),
                vercel=vercel,
                workspace=SandboxWorkspace(CommandClient(client)),
                leases=KeyValueLeases(client.jetstream(), workflow.lease_bucket, workflow.lease_seconds),
                worker_id=settings.instance_id,
                timing=timing,
            )
        )

    host.on_connect(on_connect)
    host.app.on_shutdown(vercel.close)
    return feature


def build_email(settings: Settings, host: ServiceHost, event_store: Late[EventStore]) -> Late[EmailDeps]:
    """The SMTP mailer (one kept connection), or one that refuses when no server is configured."""
    smtp, config = settings.smtp, settings.email
    mailer: Mailer
    if smtp.host:
        mailer = SmtpMailer(
            host=smtp.host,
            port=smtp.port,
            sender=config.sender,
            sender_name=config.sender_name,
            username=smtp.username,
            password=smtp.password.get_secret_value() if smtp.password else None,
            starttls=smtp.starttls,
            use_tls=smtp.use_tls,
            timeout=smtp.timeout_seconds,
        )
    else:
        logger.warning("CHEATCODE_SMTP_HOST is not set: queued emails are retried, then abandoned")
        mailer = UnconfiguredMailer()
    timing = EmailTiming(
        welcome_delay_seconds=config.welcome_delay_seconds,
        max_attempts=config.max_attempts,
        retry_backoff_seconds=config.retry_backoff_seconds,
    )
    feature: Late[EmailDeps] = Late("email")

    async def on_connect(_: Client) -> None:
        domain = config.sender.rpartition("@")[2] or "cheatcode.local"
        repository = Repository(event_store.get, EMAIL, email_domain.initial)
        feature.set(EmailDeps(repository=repository, mailer=mailer, message_domain=domain, timing=timing))

    host.on_connect(on_connect)
    host.app.on_shutdown(mailer.close)
    return feature


def build_maintenance(settings: Settings, host: ServiceHost) -> Late[MaintenanceScheduler] | None:
    """Our scheduler of the maintenance commands, with per-period leases in NATS KV; None when Inngest drives them."""
    enabled = settings.maintenance_scheduler
    if enabled is None:
        enabled = not inngest_configured(dict(os.environ))
    if not enabled:
        logger.info("maintenance tasks: driven by Inngest (/api/inngest); own scheduler off")
        return None
    scheduler: Late[MaintenanceScheduler] = Late("maintenance scheduler")
    longest = max(task.interval_seconds for task in MAINTENANCE_TASKS)

    async def on_connect(client: Client) -> None:
        commands = CommandClient(client)
        leases = KeyValueLeases(client.jetstream(), SCHEDULE_BUCKET, ttl=2 * longest)
        scheduler.set(MaintenanceScheduler(MAINTENANCE_TASKS, commands.request, leases, settings.instance_id))

    host.on_connect(on_connect)
    return scheduler
