"""Health probes of NATS, JetStream streams, PostgreSQL, the other services and projection lag."""

from __future__ import annotations

import time

import asyncpg
from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from cheatcode_api.adapters.postgres import checkpoints, failures
from cheatcode_api.adapters.postgres.runner import RUNNER_LOCK_KEY, ProjectionRunner
from cheatcode_api.domain.health import ComponentHealth, Status, lag_status
from cheatcode_api.ports.health import HealthProbe
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.health import Ping, Pong
from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import ping_subject

# Is some session (any replica) holding the runner's advisory lock in this database?
APPLIER_HOLDS_LOCK = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
"""


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _health(name: str, status: Status, message: str, **details: object) -> ComponentHealth:
    return ComponentHealth(name, status, message, time.time(), dict(details))


class NatsProbe(HealthProbe):
    name = "nats"

    def __init__(self, nc: Client) -> None:
        self._nc = nc

    async def check(self) -> ComponentHealth:
        if not self._nc.is_connected:
            return _health(self.name, Status.CRITICAL, "not connected", connectivity=False)
        started = time.perf_counter()
        try:
            await self._nc.flush(timeout=2)
        except Exception as error:
            return _health(self.name, Status.CRITICAL, f"flush failed: {error!r}", connectivity=False)
        url = self._nc.connected_url
        server = f"{url.hostname}:{url.port}" if url else None  # never the netloc: it may hold credentials
        return _health(self.name, Status.HEALTHY, "connected", connectivity=True, rtt_ms=_ms(started), server=server)


class StreamProbe(HealthProbe):
    def __init__(self, js: JetStreamContext, stream: str) -> None:
        self._js = js
        self._stream = stream
        self.name = f"stream:{stream}"

    async def check(self) -> ComponentHealth:
        try:
            info = await self._js.stream_info(self._stream)
        except NotFoundError:
            return _health(self.name, Status.CRITICAL, "stream does not exist", exists=False)
        except Exception as error:
            return _health(self.name, Status.CRITICAL, f"stream info failed: {error!r}", exists=False)
        state = info.state
        return _health(
            self.name,
            Status.HEALTHY,
            "exists",
            exists=True,
            messages=state.messages,
            first_seq=state.first_seq,
            last_seq=state.last_seq,
        )


class PostgresProbe(HealthProbe):
    name = "postgres"

    def __init__(self, pool: asyncpg.Pool, *, warning_ms: float = 2000.0) -> None:
        self._pool = pool
        self._warning_ms = warning_ms

    async def check(self) -> ComponentHealth:
        started = time.perf_counter()
        try:
            async with self._pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
        except Exception as error:
            return _health(self.name, Status.CRITICAL, f"query failed: {error!r}", connectivity=False)
        elapsed = _ms(started)
        status = Status.WARNING if elapsed > self._warning_ms else Status.HEALTHY
        return _health(self.name, status, "select 1 ok", connectivity=True, query_time_ms=elapsed)


class ServicePingProbe(HealthProbe):
    def __init__(self, nc: Client, service: str, *, timeout: float = 2.0) -> None:
        self._nc = nc
        self._service = service
        self._timeout = timeout
        self.name = f"service:{service}"

    async def check(self) -> ComponentHealth:
        ping = Ping()
        started = time.perf_counter()
        try:
            msg = await self._nc.request(
                ping_subject(self._service), encode(ping), timeout=self._timeout, headers=contract_headers(ping)
            )
        except NoRespondersError:
            return _health(self.name, Status.CRITICAL, "no instance is answering", answering=False)
        except NatsTimeoutError:
            return _health(self.name, Status.CRITICAL, f"no answer within {self._timeout:g}s", answering=False)
        except Exception as error:
            return _health(self.name, Status.CRITICAL, f"ping failed: {error!r}", answering=False)
        details: dict[str, object] = {"answering": True, "ping_time_ms": _ms(started)}
        try:
            pong = Pong.model_validate_json(msg.data)
        except ValidationError:
            return _health(self.name, Status.WARNING, "answered with an unexpected body", **details)
        details.update(instance_id=pong.instance_id, uptime_seconds=pong.uptime_seconds)
        status = Status.HEALTHY if pong.status == "ok" else Status.WARNING
        return _health(self.name, status, f"pong: {pong.status}", **details)


class ProjectionLagProbe(HealthProbe):
    name = "projections"

    def __init__(self, js: JetStreamContext, pool: asyncpg.Pool, runner: ProjectionRunner, *, warning_lag: int = 1000):
        self._js = js
        self._pool = pool
        self._runner = runner
        self._names = runner.names
        self._warning_lag = warning_lag

    async def check(self) -> ComponentHealth:
        try:
            last = (await self._js.stream_info(EVENTS.name)).state.last_seq
            known = await checkpoints.read_all(self._pool)
            applier = await self._pool.fetchval(APPLIER_HOLDS_LOCK, RUNNER_LOCK_KEY)
            skipped = await failures.count(self._pool)
        except Exception as error:
            return _health(self.name, Status.CRITICAL, f"cannot measure lag: {error!r}")
        lags = {name: last - known.get(name, 0) for name in self._names}
        worst = max(lags.values(), key=abs, default=0)
        status = lag_status(worst, warning_above=self._warning_lag)
        message = "read model ahead of the event log" if worst < 0 else f"max lag {worst} events"
        if skipped and status is Status.HEALTHY:
            status, message = Status.WARNING, f"{skipped} events could not be applied (see projection_failures)"
        if not applier:  # nobody applies events: every POST would time out waiting for its write
            status, message = Status.CRITICAL, "no replica is applying events to the read models"
        return _health(
            self.name,
            status,
            message,
            stream_last_seq=last,
            lag=lags,
            checkpoints={name: known.get(name, 0) for name in self._names},
            applier_running=bool(applier),
            skipped_events=skipped,
            this_replica_applies=self._runner.leading,
        )
