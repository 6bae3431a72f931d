"""Sandbox latency over HTTP against the whole local stack (``cheatcode up`` as processes).

* cold start: ``POST /api/project/{id}/sandbox/ensure-active`` on a new project (creates the
  workspace, records created+started, starts its network namespace, waits for the read model);
* ``execute`` of ``echo hi`` (blocking): API → NATS → sandbox service → bubblewrap → back.

Prints p50/p99; no assertions. Needs root and bubblewrap.

    .venv/bin/python benchmarks/bench_sandbox.py [--executes 300] [--cold-starts 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.stack import Stack


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, seconds: list[float]) -> None:
    millis = [s * 1000 for s in seconds]
    print(
        f"{name:<34} n={len(millis):<5} p50={percentile(millis, 0.5):7.2f} ms  p99={percentile(millis, 0.99):7.2f} ms"
    )


def cold_starts(client: httpx.Client, count: int) -> tuple[list[float], str]:
    timings, sandbox_id = [], ""
    for index in range(count):
        project = client.post("/api/projects", json={"name": f"bench-{index}"}).json()
        began = time.perf_counter()
        response = client.post(f"/api/project/{project['id']}/sandbox/ensure-active")
        timings.append(time.perf_counter() - began)
        response.raise_for_status()
        sandbox_id = response.json()["sandbox_id"]
    return timings, sandbox_id


def executes(client: httpx.Client, sandbox_id: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.post(f"/api/sandboxes/{sandbox_id}/execute", json={"command": "echo hi"})
        timings.append(time.perf_counter() - began)
        assert response.json()["output"] == "hi\n", response.text
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executes", type=int, default=300)
    parser.add_argument("--cold-starts", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-bench-sandbox-") as home:
        stack = Stack(Path(home) / "home")
        stack.start(timeout=90)
        try:
            headers = {"Authorization": f"Bearer {stack.token('bench_user')}"}
            with httpx.Client(base_url=stack.base_url, headers=headers, timeout=60) as client:
                cold, sandbox_id = cold_starts(client, args.cold_starts)
                for _ in range(20):  # warm-up: connections, caches
                    client.post(f"/api/sandboxes/{sandbox_id}/execute", json={"command": "echo hi"})
                warm = executes(client, sandbox_id, args.executes)
        finally:
            stack.stop()
    report("ensure-active, new project (cold)", cold)
    report("execute 'echo hi' (blocking)", warm)


if __name__ == "__main__":
    main()
