"""Billing benchmark: metering throughput of one billing process, and charge-to-status lag.

1. Throughput: a fresh nats-server, one ``python -m cheatcode_billing`` process; N
   ``UsageRecorded`` events (spread over U users) are published as fast as JetStream takes
   them; figure = events charged per second, from the first publish until the durable
   consumer has acked the last one. The number of ``TokensCharged`` is checked against N.
2. Lag: the whole stack (``cheatcode up``, mock model); M runs of ``[mock:burn:1000]``, one
   after another; for each, ``GET /api/billing/status`` is polled every 5 ms until the charge
   shows; figure = that moment minus the usage's ``created_at`` (the end of the run's LLM call,
   as the agent recorded it), p50/p99. The 5 ms polling adds up to 5 ms (plus one status
   request). Each run has its own user (``agent/initiate`` allows 5 a minute per user).

    .venv/bin/python benchmarks/bench_billing.py                # N=20000 U=200, M=40
    .venv/bin/python benchmarks/bench_billing.py --events 5000 --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.backing import percentile, process
from cheatcode_contracts.billing import ACCOUNT_EVENTS_FILTER
from cheatcode_contracts.envelope import MSG_ID_HEADER, contract_headers, encode
from cheatcode_contracts.runs import UsageRecorded, usage_subject
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import ensure_streams
from tests.support.stack import Stack

DURABLE = "billing-usage"


async def throughput(events: int, users: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-billing-"))
    server = NatsServer(store_dir=home / "nats")
    server.start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await ensure_streams(js, ALL_STREAMS)
        env = {"CHEATCODE_NATS_URL": server.url, "CHEATCODE_PRICES_REFRESH": "false",
               "CHEATCODE_INSTANCE_ID": "bench-billing"}  # fmt: skip
        with process(["-m", "cheatcode_billing"], env, home / "billing.log"):
            await _wait_ping(nc)
            await _wait_consumer(js)
            started = time.monotonic()
            pending = []
            for n in range(events):
                run = f"run-{n // 5}"
                usage = UsageRecorded(run_id=run, user_id=f"user-{n % users}", thread_id="t", project_id="p",
                                      model="anthropic/claude-sonnet-4.5", prompt_tokens=900, completion_tokens=100,
                                      call_index=n % 5)  # fmt: skip
                headers = {**contract_headers(usage), MSG_ID_HEADER: f"{run}:usage:{n % 5}"}
                pending.append(await js.publish_async(usage_subject(run), encode(usage), headers=headers))
                if len(pending) >= 2000:
                    await asyncio.gather(*pending)
                    pending.clear()
            await asyncio.gather(*pending)
            published = time.monotonic() - started
            while True:
                info = await js.consumer_info("EVENTS", DURABLE)
                if info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0:
                    break
                await asyncio.sleep(0.02)
            elapsed = time.monotonic() - started
        stream = await js.stream_info("EVENTS", subjects_filter=ACCOUNT_EVENTS_FILTER)
        written = sum((stream.state.subjects or {}).values())
        charges = written - users  # one AccountOpened per user, the rest are charges
        await nc.close()
    finally:
        server.stop()
    print(f"metering: {events} usage events over {users} accounts, published in {published:.2f} s")
    print(f"  charged {charges} (expected {events}) in {elapsed:.2f} s = {events / elapsed:,.0f} events/s "
          f"by one billing process")  # fmt: skip


async def _wait_ping(nc: Client) -> None:
    for _ in range(300):
        try:
            await nc.request(ping_subject("billing"), b"", timeout=0.5)
            return
        except Exception:
            await asyncio.sleep(0.1)
    raise RuntimeError("billing did not answer ping")


async def _wait_consumer(js: JetStreamContext) -> None:
    for _ in range(300):
        try:
            await js.consumer_info("EVENTS", DURABLE)
            return
        except Exception:
            await asyncio.sleep(0.1)
    raise RuntimeError("billing did not create its consumer")


def lag(runs: int) -> None:
    stack = Stack(Path(tempfile.mkdtemp(prefix="bench-billing-stack-")) / "home")
    stack.start(timeout=120)
    try:
        lags: list[float] = []
        for n in range(runs):
            user = f"bench_lag_{uuid.uuid4().hex[:8]}"  # a user per run: initiate allows 5 a minute per user
            headers = {"Authorization": f"Bearer {stack.token(user)}"}
            with httpx.Client(base_url=stack.base_url, headers=headers, timeout=30) as http:
                started = http.post("/api/agent/initiate", data={"prompt": f"[mock:burn:1000] lag {n}"})
                started.raise_for_status()
                while http.get("/api/billing/status").json()["tokens_remaining"] == 100_000:
                    time.sleep(0.005)
                seen = time.time()
                entry = http.get("/api/billing/usage-history?days=1").json()["usage_entries"][0]
                lags.append(seen - datetime.fromisoformat(entry["created_at"]).timestamp())
    finally:
        stack.stop()
    lags_ms = [value * 1000 for value in lags]
    print(f"lag from a run's LLM call to billing/status showing it ({len(lags_ms)} runs): "
          f"p50 {percentile(lags_ms, 0.5):.1f} ms, p99 {percentile(lags_ms, 0.99):.1f} ms, "
          f"max {max(lags_ms):.1f} ms")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--skip-lag", action="store_true")
    args = parser.parse_args()
    asyncio.run(throughput(args.events, args.users))
    if not args.skip_lag:
        lag(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
