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
import statistics
import time

import httpx
from backing import (  # benchmarks/ is on sys.path when run as a script
    backing_services,
    percentile,
    process,
    wait_healthy,
)


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
    from cheatcode_api.entrypoint.bootstrap import build_infrastructure

    settings = Settings(
        database_url=env["CHEATCODE_DATABASE_URL"], nats={"url": env["CHEATCODE_NATS_URL"]}, instance_id="bench-rebuild"
    )
    container = await build_infrastructure(settings)
    async with container.pool.acquire() as conn:
        await drop_schema(conn, settings.database_schema)
    await container.close()
    container = await build_infrastructure(settings)  # migrates the empty schema again
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
    async with backing_services("bench-ryw-") as backing:
        env, home = backing.env, backing.home
        with (
            process(["-m", "cheatcode_agent"], env, home / "agent.log"),
            process(["-m", "cheatcode_api"], env, home / "api.log"),
        ):
            timings = await measure(backing.base_url, backing.issuer.mint("bench-user"), creates)
        events, rebuild_ms = await time_rebuild(env)
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
