"""Read-your-writes latency: ``POST /api/projects`` then an immediate ``GET /api/projects/{id}``.

Everything real and as separate processes: nats-server, PostgreSQL, the agent service and the
API (``python -m cheatcode_api``); this process is the HTTP client and serves the JWKS.
Prints p50/p99 of the POST (command + wait for the projection), the GET, and both together
over 1,000 sequential creates, then the time to rebuild every read model from the log after
dropping them. No assertions: figures only.

    .venv/bin/python benchmarks/bench_read_your_writes.py [--creates 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import nats

from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra.dev_issuer import DevIssuer
from cheatcode_infra.jwks_server import JwksServer
from cheatcode_infra.nats_server import NatsServer
from cheatcode_infra.ports import free_port
from cheatcode_infra.postgres_server import PostgresServer
from cheatcode_runtime.nats import ensure_streams


def stop(child: subprocess.Popen[bytes]) -> None:
    child.terminate()
    try:
        child.wait(10)
    except subprocess.TimeoutExpired:
        child.kill()  # a benchmark must not hang on a slow shutdown
        child.wait()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@contextmanager
def process(module: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", module], env={**os.environ, **env}, stdout=output, stderr=output
        )
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


async def measure(base_url: str, token: str, creates: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"post": [], "get": [], "post+get": []}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        await wait_healthy(client)
        for index in range(20):  # warm-up: JWKS fetch, pools, JIT-free but cache-warm paths
            await client.post("/api/projects", json={"name": f"warm-{index}"})
        for index in range(creates):
            started = time.perf_counter()
            created = await client.post("/api/projects", json={"name": f"bench-{index}"})
            posted = time.perf_counter()
            fetched = await client.get(f"/api/projects/{created.json()['id']}")
            done = time.perf_counter()
            if created.status_code != 200 or fetched.status_code != 200:
                raise RuntimeError(f"unexpected statuses {created.status_code}/{fetched.status_code}: {fetched.text}")
            timings["post"].append((posted - started) * 1000)
            timings["get"].append((done - posted) * 1000)
            timings["post+get"].append((done - started) * 1000)
    return timings


async def time_rebuild(env: dict[str, str]) -> tuple[int, float]:
    """Drop every read model, then time a fresh container replaying the whole log (in this process)."""
    from cheatcode_api.adapters.postgres.migrate import drop_schema
    from cheatcode_api.config import Settings
    from cheatcode_api.entrypoint.bootstrap import build_container

    settings = Settings(
        database_url=env["CHEATCODE_DATABASE_URL"], nats={"url": env["CHEATCODE_NATS_URL"]}, instance_id="bench-rebuild"
    )
    container = await build_container(settings)
    async with container.pool.acquire() as conn:
        await drop_schema(conn, settings.database_schema)
    await container.close()
    container = await build_container(settings)  # migrates the empty schema again
    try:
        last = (await container.js.stream_info("EVENTS")).state.last_seq
        started = time.perf_counter()
        container.start_background()
        for name in container.runner.names:
            await container.waiter.wait_for(name, last, within=120)
        return last, (time.perf_counter() - started) * 1000
    finally:
        await container.close()


async def main(creates: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-ryw-"))
    nats_server = NatsServer(store_dir=home / "nats")
    postgres = PostgresServer(data_dir=home / "pg", log_file=home / "pg.log")
    nats_server.start()
    postgres.start()
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
    try:
        with process("cheatcode_agent", env, home / "agent.log"), process("cheatcode_api", env, home / "api.log"):
            timings = await measure(f"http://127.0.0.1:{port}", issuer.mint("bench-user"), creates)
        events, rebuild_ms = await time_rebuild(env)
    finally:
        await jwks.stop()
        postgres.stop()
        nats_server.stop()
    print(f"read-your-writes over {creates} sequential creates (ms; API, agent, NATS, PostgreSQL as processes)")
    for name, values in timings.items():
        print(
            f"  {name:9s} p50 {percentile(values, 0.50):7.2f}  p99 {percentile(values, 0.99):7.2f}"
            f"  mean {statistics.fmean(values):7.2f}  max {max(values):7.2f}"
        )
    print(f"rebuild of every read model from the log: {events} events in {rebuild_ms:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=1000)
    asyncio.run(main(parser.parse_args().creates))
