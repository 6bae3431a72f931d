"""Streaming runs survive a kill -9 of nats-server restarted at once (same port and store).

Issue 8: with 5 runs streaming, a 0.6 s NATS restart failed 3 of them with "nats: timeout" and
each stored output skipped a sequence. Now publishes retry through the reconnect with the same
Nats-Msg-Id: every run completes and its frames are exactly 1..N.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.frames import decode_frame, run_output_subject
from cheatcode_contracts.runs import RunCompleted, RunRequested, RunStarted, run_subject
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams
from tests.integration.agent.runs.conftest import AgentStack
from tests.integration.agent.runs.test_run_lifecycle import new_thread, start
from tests.support.restartable_nats import kill_and_restart

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("sandbox_double")]
RUNS = 5
CHUNKS, CHUNK_MS = 60, 50  # each run streams for about 3 s


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A server of this module alone: the test kills it."""
    server = NatsServer(store_dir=Path(tmp_path_factory.mktemp("nats-restart")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(NatsSettings(url=nats_server.url), name="tests-restart")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.drain()


async def stored_frames(client: Client, run_id: str) -> list[dict[str, object]]:
    """Every frame stored for the run, read back from RUN_OUTPUT after the fact."""
    js = client.jetstream()
    last = (await js.get_last_msg("RUN_OUTPUT", run_output_subject(run_id), direct=True)).seq
    frames: list[dict[str, object]] = []
    done = asyncio.Event()

    async def on_message(msg: Msg) -> None:
        frames.append(decode_frame(msg.data))
        if msg.metadata.sequence.stream >= last:
            done.set()

    sub = await js.subscribe(
        run_output_subject(run_id),
        stream="RUN_OUTPUT",
        ordered_consumer=True,
        deliver_policy=api.DeliverPolicy.ALL,
        cb=on_message,
    )
    await asyncio.wait_for(done.wait(), 10)
    await sub.unsubscribe()
    return frames


async def lifecycle_when_ended(store: JetStreamEventStore, run_id: str, within: float) -> list[Event]:
    ends = time.monotonic() + within
    while True:
        events = [stored.event for stored in (await store.load(run_subject(run_id))).events]
        if len(events) >= 3 or time.monotonic() > ends:
            return events
        await asyncio.sleep(0.2)


async def test_runs_streaming_through_a_nats_restart_complete_with_no_gap_and_no_duplicate(
    stack: AgentStack, nats_server: NatsServer, nats_client: Client
) -> None:
    await stack.start_agent("agent-a")
    run_ids = []
    for n in range(RUNS):
        _, thread_id = await new_thread(nats_client, "u1", f"[mock:long:{CHUNKS}:{CHUNK_MS}] run {n}")
        run_ids.append((await start(nats_client, thread_id, "u1")).result["run_id"])
    store = JetStreamEventStore(nats_client.jetstream(), build_registry())
    await asyncio.sleep(1.0)  # all of them streaming

    outage = await kill_and_restart(nats_server, down_for=0.3)
    assert outage < 3.0

    for run_id in run_ids:
        lifecycle = await lifecycle_when_ended(store, run_id, within=60)
        assert [type(e) for e in lifecycle] == [RunRequested, RunStarted, RunCompleted], (run_id, lifecycle)
        frames = await stored_frames(nats_client, run_id)
        sequences = [f["sequence"] for f in frames]
        assert sequences == list(range(1, len(frames) + 1)), (run_id, sequences)  # no gap, no duplicate
        ticks = [f["content"] for f in frames if f["type"] == "content"]
        assert ticks == [f"tick {n} " for n in range(1, CHUNKS + 1)], run_id  # nothing lost, nothing twice
        assert frames[-1]["type"] == "status" and frames[-1]["status"] == "completed"

    # The worker's acks landed on the restarted server: no run message is left pending.
    ends = time.monotonic() + 10
    while (info := await nats_client.jetstream().consumer_info("EVENTS", stack.consumer)).num_ack_pending:
        assert time.monotonic() < ends, info
        await asyncio.sleep(0.1)
