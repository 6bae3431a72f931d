"""What the API benchmarks stand on: nats-server, PostgreSQL and a JWKS, started fresh.

``backing_services()`` yields the environment an API or agent process needs to use them, the
dev issuer that signs the benchmark's tokens, and a free port for the API.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats

from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra.dev_issuer import DevIssuer
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.jwks_server import JwksServer
from cheatcode_infra.nats_server import NatsServer
from cheatcode_infra.postgres_server import PostgresServer
from cheatcode_runtime.nats import ensure_streams


@dataclass(frozen=True)
class Backing:
    home: Path
    env: dict[str, str]  # CHEATCODE_* settings for the API and agent processes
    issuer: DevIssuer
    api_port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"


@asynccontextmanager
async def backing_services(prefix: str) -> AsyncIterator[Backing]:
    home = Path(tempfile.mkdtemp(prefix=prefix))
    nats_server = NatsServer(store_dir=home / "nats")
    postgres = PostgresServer(data_dir=home / "pg", log_file=home / "pg.log")
    nats_server.start()
    postgres.start()
    jwks: JwksServer | None = None
    try:
        connection = await nats.connect(nats_server.url)
        await ensure_streams(connection.jetstream(), ALL_STREAMS)
        await connection.close()
        issuer = DevIssuer.load_or_create(home)
        jwks = JwksServer(issuer.jwks())
        await jwks.start()
        port = free_port()
        env = {
            "CHEATCODE_NATS_URL": nats_server.url,
            "CHEATCODE_DATABASE_URL": postgres.dsn,
            "CHEATCODE_API_PORT": str(port),
            "CHEATCODE_JWKS_URL": jwks.url,
            "CHEATCODE_JWT_ISSUER": issuer.issuer,
            "CHEATCODE_JWT_AUTHORIZED_PARTIES": issuer.authorized_party,
        }
        yield Backing(home, env, issuer, port)
    finally:
        if jwks is not None:
            await jwks.stop()
        postgres.stop()
        nats_server.stop()


def stop(child: subprocess.Popen[bytes]) -> None:
    child.terminate()
    try:
        child.wait(10)
    except subprocess.TimeoutExpired:
        child.kill()  # a benchmark must not hang on a slow shutdown
        child.wait()


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` run by this Python with ``env`` added to ours; stopped on exit."""
    with open(log, "ab") as output:
        child = subprocess.Popen([sys.executable, *argv], env={**os.environ, **env}, stdout=output, stderr=output)
    try:
        yield child
    finally:
        stop(child)


async def wait_healthy(client: httpx.AsyncClient, deadline: float = 60.0) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        try:
            if (await client.get("/api/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)  # polling a process we do not control: no event to wait on
    raise RuntimeError("the API did not come up")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
