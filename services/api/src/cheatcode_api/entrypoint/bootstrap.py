"""Composition root: the only module that builds adapters. No module-level singletons.

``build_infrastructure(settings)`` connects NATS and PostgreSQL, migrates, and builds every
adapter; its ``container`` is the port-typed :class:`Container` the app is given. To add a
dependency: a port in ``ports/``, a field on ``Container``, its adapter built here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

import asyncpg
from nats.aio.client import Client
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from cheatcode_api.adapters.auth import JwksTokenVerifier, JwksVerifierSettings
from cheatcode_api.adapters.auth.unconfigured import UnconfiguredVerifier
from cheatcode_api.adapters.health import (
    NatsProbe,
    PostgresProbe,
    ProjectionLagProbe,
    ServicePingProbe,
    StreamProbe,
)
from cheatcode_api.adapters.model_catalog import ModelSettings, RemoteModelCatalog
from cheatcode_api.adapters.nats import NatsCommandBus
from cheatcode_api.adapters.nats.feature_flags import KvFeatureFlags
from cheatcode_api.adapters.nats.kv_idempotency import KvIdempotencyStore
from cheatcode_api.adapters.nats.kv_rate_limiter import KvRateLimiter
from cheatcode_api.adapters.nats.log_reader import JetStreamLogReader
from cheatcode_api.adapters.nats.streams import check_streams
from cheatcode_api.adapters.postgres.audit_reads import PostgresAuditLog
from cheatcode_api.adapters.postgres.billing_reads import PostgresBillingReads
from cheatcode_api.adapters.postgres.composio_rows import PostgresComposioReads
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.deployment_rows import PostgresDeploymentReads
from cheatcode_api.adapters.postgres.migrate import apply_migrations
from cheatcode_api.adapters.postgres.projections import all_projections
from cheatcode_api.adapters.postgres.read_models import PostgresReadModels
from cheatcode_api.adapters.postgres.rebuild import PostgresReadModelRebuilder
from cheatcode_api.adapters.postgres.run_reads import PostgresRunReads
from cheatcode_api.adapters.postgres.runner import ProjectionRunner
from cheatcode_api.adapters.postgres.sandbox_rows import PostgresSandboxReads
from cheatcode_api.adapters.postgres.waiter import PostgresCheckpointWaiter
from cheatcode_api.config import Settings
from cheatcode_api.entrypoint.container import Background, Container
from cheatcode_api.entrypoint.observability import watch_projection_lag
from cheatcode_api.ports.auth import TokenVerifier
from cheatcode_api.ports.health import HealthProbe
from cheatcode_api.streaming import RunStreamHub, connect_streaming
from cheatcode_contracts import build_registry
from cheatcode_contracts.catalog import SERVICES
from cheatcode_contracts.streams import ALL_STREAMS, EVENTS
from cheatcode_runtime.nats import answer_pings, connect

log = logging.getLogger(__name__)

SERVICE = "api"


@dataclass
class Infrastructure(Background):
    """The concrete side: connections, the projection runner, background tasks.

    Only the composition root, ``main`` and tests that reach below the ports use it.
    """

    settings: Settings
    nc: Client  # NATS connection (requests, subscriptions)
    js: JetStreamContext  # JetStream context on ``nc`` (streams, consumers, replay)
    database: Database  # DSN + schema; ``database.connect()`` for a dedicated connection
    pool: asyncpg.Pool  # shared pool; its connections have the API schema as search_path
    runner: ProjectionRunner
    waiter: PostgresCheckpointWaiter
    streams: RunStreamHub  # agent-run output → SSE, on its own NATS connection
    container: Container = field(init=False)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    pings: Subscription | None = None
    feature_flags: KvFeatureFlags | None = None

    def start(self) -> None:
        """Start the projection runner and the checkpoint listener (the app's lifespan calls it)."""
        if not self.tasks:
            self.tasks = [
                asyncio.create_task(self.runner.run(), name="projection-runner"),
                asyncio.create_task(self.waiter.listen(), name="checkpoint-listener"),
                asyncio.create_task(
                    watch_projection_lag(self._stream_head, self.waiter.checkpoint, self.runner.names),
                    name="projection-lag-metric",
                ),
            ]

    async def _stream_head(self) -> int:
        return int((await self.js.stream_info(EVENTS.name)).state.last_seq)

    # The old names, still used by tests and benchmarks.
    def start_background(self) -> None:
        self.start()

    async def stop_background(self, within: float | None = None) -> None:
        await self.stop(within)

    async def stop(self, within: float | None = None) -> None:
        """Cancel the background tasks, waiting at most ``within`` seconds for them (a NATS call
        in a cancelled task's cleanup can block on a dead connection)."""
        wait = self.settings.shutdown_timeout / 2 if within is None else within
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            _, stuck = await asyncio.wait(self.tasks, timeout=max(wait, 0.01))
            for task in stuck:
                log.warning("background task %s did not stop within %.1f s; abandoning it", task.get_name(), wait)
        self.tasks = []

    async def close(self) -> None:
        """Release everything within ``settings.shutdown_timeout`` seconds in all: each step gets
        what is left of that budget and is abandoned (with a warning) when it runs out."""
        ends = time.monotonic() + self.settings.shutdown_timeout

        def left() -> float:
            return max(ends - time.monotonic(), 0.01)

        await self.stop(left() / 2)
        if self.pings is not None:
            await _bounded("ping responder", self.pings.unsubscribe(), left())
        await _bounded("token verifier", self.container.verifier.close(), left())
        await _bounded("SSE streams", self.streams.close(), left())
        if self.feature_flags is not None:
            await _bounded("feature flags watch", self.feature_flags.close(), left())
        if not await _bounded("PostgreSQL pool", self.pool.close(), left()):
            self.pool.terminate()  # close() waits for every borrowed connection
        await _bounded("NATS connection", self.nc.drain(), left())


async def _bounded(what: str, step: Awaitable[None], seconds: float) -> bool:
    try:
        await asyncio.wait_for(step, seconds)
    except TimeoutError:
        log.warning("shutdown: %s did not close within %.1f s; abandoning it", what, seconds)
        return False
    except Exception as error:  # the thing it talks to may be what is gone
        log.warning("shutdown: closing %s failed: %r", what, error)
    return True


def build_verifier(settings: Settings) -> TokenVerifier:
    if not settings.jwks_url:
        log.warning("CHEATCODE_JWKS_URL is not set: every authenticated route answers 503")
        return UnconfiguredVerifier()
    return JwksTokenVerifier(
        JwksVerifierSettings(
            jwks_url=settings.jwks_url,
            issuer=settings.jwt_issuer,
            authorized_parties=tuple(settings.jwt_authorized_parties),
            refresh_interval=settings.jwks_refresh_interval,
            cache_ttl=settings.jwks_cache_ttl,
        )
    )


async def _create_pool(database: Database, settings: Settings, attempts: int = 30) -> asyncpg.Pool:
    """Connect and migrate, retrying while PostgreSQL is still starting."""
    for attempt in range(attempts):
        try:
            conn = await database.connect()
            try:
                applied = await apply_migrations(conn, database.schema)
            finally:
                await conn.close()
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
            return await database.create_pool(max_size=settings.database_pool_size)
        except (OSError, asyncpg.CannotConnectNowError) as error:
            if attempt == attempts - 1:
                raise
            log.warning("PostgreSQL not reachable yet (%s); retrying", error)
            await asyncio.sleep(1.0)
    raise AssertionError("unreachable")


async def build_infrastructure(settings: Settings) -> Infrastructure:
    nc = await connect(settings.nats, name=f"api:{settings.instance_id}")
    js = nc.jetstream()
    try:
        await check_streams(js, ALL_STREAMS)
        database = Database(settings.database_url, settings.database_schema)
        pool = await _create_pool(database, settings)
    except BaseException:
        with contextlib.suppress(Exception):
            await nc.close()
        raise
    waiter = PostgresCheckpointWaiter(database, pool, default_timeout=settings.read_your_writes_timeout)
    runner = ProjectionRunner(
        database,
        js,
        build_registry(),
        all_projections(),
        batch_size=settings.projection_batch_size,
        standby_interval=settings.projection_standby_interval,
        on_advanced=waiter.observe,
    )
    probes: list[HealthProbe] = [
        NatsProbe(nc),
        *(StreamProbe(js, spec.name) for spec in ALL_STREAMS),
        PostgresProbe(pool),
        *(ServicePingProbe(nc, service) for service in SERVICES if service != SERVICE),
        ProjectionLagProbe(js, pool, runner),
    ]
    streams = await _start_streams(settings)
    infrastructure = Infrastructure(
        settings=settings, nc=nc, js=js, database=database, pool=pool, runner=runner, waiter=waiter, streams=streams
    )
    if settings.feature_flags_enabled:
        infrastructure.feature_flags = await KvFeatureFlags.open(js)
    infrastructure.container = Container(
        settings=settings,
        verifier=build_verifier(settings),
        commands=NatsCommandBus(nc, timeout=settings.command_timeout),
        waiter=waiter,
        read_models=PostgresReadModels(pool),
        run_reads=PostgresRunReads(pool),
        billing_reads=PostgresBillingReads(pool),
        sandbox_reads=PostgresSandboxReads(pool),
        deployment_reads=PostgresDeploymentReads(pool),
        composio_reads=PostgresComposioReads(pool),
        model_catalog=RemoteModelCatalog(ModelSettings(), js),
        run_streams=streams,
        health_probes=probes,
        rate_limiter=await KvRateLimiter.open(js) if settings.rate_limits_enabled else None,
        idempotency=await KvIdempotencyStore.open(js),
        audit=PostgresAuditLog(pool),
        log_reader=JetStreamLogReader(js, build_registry()),
        rebuilder=build_rebuilder(settings, js),
        background=infrastructure,
        feature_flags=infrastructure.feature_flags,
    )
    infrastructure.pings = await answer_pings(nc, service=SERVICE, instance_id=settings.instance_id)
    return infrastructure


def build_rebuilder(settings: Settings, js: JetStreamContext) -> PostgresReadModelRebuilder:
    """The shadow-schema rebuild, for the admin route and ``python -m cheatcode_api rebuild-read-models``."""
    database = Database(settings.database_url, settings.database_schema)
    return PostgresReadModelRebuilder(
        database, js, build_registry(), all_projections, batch_size=settings.rebuild_batch_size
    )


async def build_container(settings: Settings) -> Container:
    """The app's container over real adapters; ``container.close()`` releases them."""
    return (await build_infrastructure(settings)).container


async def _start_streams(settings: Settings) -> RunStreamHub:
    connection = await connect_streaming(settings.nats, name=f"api-streams:{settings.instance_id}")
    hub = RunStreamHub(connection, owns_connection=True)
    await hub.start()
    return hub
