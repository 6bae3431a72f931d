"""Composition root: builds the sandbox service from its settings. Nothing runs at import time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from nats.aio.client import Client

from cheatcode_contracts import build_registry
from cheatcode_contracts.sandbox import MAX_OUTPUT_BYTES, SERVICE, host_ping_subject
from cheatcode_runtime.eventstore import JetStreamEventStore
from cheatcode_runtime.nats import CommandClient, answer_pings
from cheatcode_runtime.observability.metrics import SANDBOXES_RUNNING
from cheatcode_runtime.service import Late, ServiceHost, build_service
from cheatcode_sandbox.adapters.bwrap_runtime import BwrapRuntime, LocalRuntimeConfig, find_tools
from cheatcode_sandbox.adapters.nats_hosts import NatsHostDirectory
from cheatcode_sandbox.adapters.unconfined_runtime import UnconfinedRuntime
from cheatcode_sandbox.config import Settings
from cheatcode_sandbox.entrypoint import app
from cheatcode_sandbox.entrypoint.host_watch import HostWatch
from cheatcode_sandbox.entrypoint.preview_gateway import PreviewGateway
from cheatcode_sandbox.handlers.deps import SandboxDeps
from cheatcode_sandbox.handlers.lifecycle import stop_hosted
from cheatcode_sandbox.ports.runtime import Limits, SandboxRuntime, SandboxUnavailableError

logger = logging.getLogger("cheatcode.sandbox")


@dataclass(frozen=True)
class SandboxService:
    host: ServiceHost
    deps: SandboxDeps
    gateway: PreviewGateway


def build_runtime(settings: Settings, visible_root: Path | None = None) -> SandboxRuntime:
    config = LocalRuntimeConfig(
        root=settings.sandbox_root,
        instance=settings.instance_id,
        visible_root=visible_root,
        disk_cap_bytes=settings.sandbox_disk_cap_bytes,
    )
    if find_tools() is None and settings.sandbox_allow_unsafe:
        return UnconfinedRuntime(config)
    runtime = BwrapRuntime(config)
    try:
        runtime.check_available()
    except SandboxUnavailableError as error:
        # The service still answers (files, pings); starting a sandbox fails with this reason.
        logger.error("sandboxes cannot run on this host: %s", error)
    return runtime


def limits(settings: Settings, *, cpu_seconds: int) -> Limits:
    return Limits(
        cpu_seconds=cpu_seconds,
        memory_bytes=settings.sandbox_memory_bytes,
        processes=settings.sandbox_processes,
        file_bytes=settings.sandbox_file_bytes,
        output_bytes=MAX_OUTPUT_BYTES,
    )


def build(settings: Settings, runtime: SandboxRuntime | None = None) -> SandboxService:
    host = build_service(SERVICE, settings, description="Isolated workspaces: files, commands, sessions, previews.")
    runtime = runtime or build_runtime(settings)
    deps = SandboxDeps(
        instance_id=settings.instance_id,
        runtime=runtime,
        event_store=Late("event store"),
        hosts=Late("host directory"),
        command_limits=limits(settings, cpu_seconds=3600),
        session_limits=limits(settings, cpu_seconds=settings.sandbox_session_cpu_seconds),
        idle_seconds=settings.sandbox_idle_seconds,
    )
    gateway = PreviewGateway(runtime, settings.sandbox_preview_host, settings.sandbox_preview_port, deps.activity)
    forwarder: Late[CommandClient] = Late("command client")
    SANDBOXES_RUNNING.set_function(lambda: len(deps.hosted))  # read at scrape time

    registry = build_registry()
    watch = HostWatch(deps, registry, interval=settings.sandbox_host_sweep_seconds)

    async def on_connect(client: Client) -> None:
        # No backoff on "no responders": a host that no longer listens is taken over at once.
        forwarder.set(
            CommandClient(client, timeout=app.FORWARD_SECONDS, backoff=(), first_contact=app.FIRST_CONTACT_SECONDS)
        )
        deps.event_store.set(
            JetStreamEventStore(
                client.jetstream(), registry, stream=settings.events_stream, timeout=settings.event_store_timeout
            )
        )
        deps.hosts.set(NatsHostDirectory(client))
        await watch.start(client.jetstream())
        await answer_pings(
            client, service=SERVICE, instance_id=settings.instance_id, subject=host_ping_subject(settings.instance_id)
        )
        port = await gateway.start()
        advertised = settings.sandbox_preview_advertise_host or settings.sandbox_preview_host
        deps.preview_origin.set(f"http://{advertised}:{port}")
        logger.info("preview gateway on %s:%d", settings.sandbox_preview_host, port)

    async def on_shutdown() -> None:
        await watch.stop()
        await stop_hosted(deps, "host_shutdown")
        await gateway.close()

    host.on_connect(on_connect)
    host.app.on_shutdown(on_shutdown)
    app.register(host.broker, deps, forwarder, app.peers_over(forwarder, watch.host_ids))
    return SandboxService(host=host, deps=deps, gateway=gateway)
