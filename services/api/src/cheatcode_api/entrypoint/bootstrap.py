"""Composition root: builds every adapter from :class:`Settings`. No module-level singletons."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import asyncpg
from nats.aio.client import Client
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
from cheatcode_api.adapters.nats import NatsCommandBus
from cheatcode_api.adapters.nats.ping import answer_pings
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import apply_migrations
from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_api.adapters.postgres.projections import all_projections
from cheatcode_api.adapters.postgres.read_models import PostgresReadModels
from cheatcode_api.adapters.postgres.run_reads import PostgresRunReads
from cheatcode_api.adapters.postgres.runner import ProjectionRunner
from cheatcode_api.adapters.postgres.waiter import PostgresCheckpointWaiter
from cheatcode_api.config import Settings
from cheatcode_api.handlers import HandlerDeps
from cheatcode_api.ports.agent_runs import RunReads
from cheatcode_api.ports.auth import TokenVerifier
from cheatcode_api.ports.commands import CommandBus
from cheatcode_api.ports.health import HealthProbe
from cheatcode_api.streaming import RunStreamHub, connect_streaming
from cheatcode_contracts import ContractRegistry, build_registry
from cheatcode_contracts.catalog import SERVICES
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_runtime.nats import connect, ensure_streams

log = logging.getLogger(__name__)


@dataclass
class Container:
    """Everything the app needs, built once per process. Routers reach it via ``get_container``."""

    settings: Settings
    nc: Client  # NATS connection (requests, subscriptions)
    js: JetStreamContext  # JetStream context on ``nc`` (streams, consumers, replay)
    database: Database  # DSN + schema; ``database.connect()`` for a dedicated connection
    pool: asyncpg.Pool  # shared pool; its connections have the API schema as search_path
    registry: ContractRegistry
    verifier: TokenVerifier
    commands: CommandBus
    waiter: PostgresCheckpointWaiter  # read-your-writes
    read_models: PostgresReadModels
    projections: list[Projection]
    runner: ProjectionRunner
    health_probes: list[HealthProbe]
    run_reads: RunReads
    streams: RunStreamHub  # agent-run output → SSE, on its own NATS connection
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def handler_deps(self) -> HandlerDeps:
        return HandlerDeps(commands=self.commands, waiter=self.waiter, read_models=self.read_models)

    def start_background(self) -> None:
        """Start the projection runner and the checkpoint listener (called by the app's lifespan)."""
        if not self.tasks:
            self.tasks = [
                asyncio.create_task(self.runner.run(), name="projection-runner"),
                asyncio.create_task(self.waiter.listen(), name="checkpoint-listener"),
                asyncio.create_task(answer_pings(self.nc, self.settings.instance_id), name="ping-responder"),
            ]

    async def stop_background(self, within: float = 10.0) -> None:
        """Cancel the background tasks; shutdown never waits more than ``within`` seconds on them
        (a NATS client call inside a cancelled task's cleanup can block on a dead connection)."""
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            _, stuck = await asyncio.wait(self.tasks, timeout=within)
            for task in stuck:
                log.warning("background task %s did not stop within %.0f s; abandoning it", task.get_name(), within)
        self.tasks = []

    async def close(self) -> None:
        await self.stop_background()
        await self.verifier.close()
        try:  # unsubscribing talks to NATS, which may be the thing that is gone
            await asyncio.wait_for(self.streams.close(), 10)
        except TimeoutError:
            log.warning("SSE streams did not close within 10 s; abandoning them")
        try:  # close() waits for every borrowed connection: never let shutdown hang on one
            await asyncio.wait_for(self.pool.close(), 10)
        except TimeoutError:
            log.warning("PostgreSQL pool did not close within 10 s; terminating it")
            self.pool.terminate()
        with contextlib.suppress(Exception):
            await self.nc.drain()


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


async def build_container(settings: Settings) -> Container:
    nc = await connect(settings.nats, name=f"api:{settings.instance_id}")
    js = nc.jetstream()
    try:
        await ensure_streams(js, ALL_STREAMS)
    except Exception as error:  # the supervisor may own stream management under tighter permissions
        log.warning("could not ensure JetStream streams: %r", error)
    database = Database(settings.database_url, settings.database_schema)
    pool = await _create_pool(database, settings)
    registry = build_registry()
    projections = all_projections()
    waiter = PostgresCheckpointWaiter(database, pool, default_timeout=settings.read_your_writes_timeout)
    runner = ProjectionRunner(
        database,
        js,
        registry,
        projections,
        batch_size=settings.projection_batch_size,
        standby_interval=settings.projection_standby_interval,
        on_advanced=waiter.observe,
    )
    probes: list[HealthProbe] = [
        NatsProbe(nc),
        *(StreamProbe(js, spec.name) for spec in ALL_STREAMS),
        PostgresProbe(pool),
        *(ServicePingProbe(nc, service) for service in SERVICES if service != "api"),
        ProjectionLagProbe(js, pool, runner),
    ]
    return Container(
        settings=settings,
        nc=nc,
        js=js,
        database=database,
        pool=pool,
        registry=registry,
        verifier=build_verifier(settings),
        commands=NatsCommandBus(nc, timeout=settings.command_timeout),
        waiter=waiter,
        read_models=PostgresReadModels(pool),
        projections=projections,
        runner=runner,
        health_probes=probes,
        run_reads=PostgresRunReads(pool),
        streams=await _start_streams(settings),
    )


async def _start_streams(settings: Settings) -> RunStreamHub:
    connection = await connect_streaming(settings.nats, name=f"api-streams:{settings.instance_id}")
    hub = RunStreamHub(connection, owns_connection=True)
    await hub.start()
    return hub
