"""A real NATS cluster locally (`cheatcode up --nats-cluster 3`): stream leaders die during streaming runs.

The EVENTS leader and then the RUN_OUTPUT leader are killed (-9) while agent runs stream to
SSE clients and users keep creating projects. Every run completes, every SSE client sees its
frames 1..N once each (resuming with Last-Event-ID if its connection drops), and every
acknowledged project is in the log exactly once. The longest write stall is printed (a
figure, not an assertion; ``benchmarks/bench_chaos.py`` measures it under more load).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest

from cheatcode_contracts.streams import EVENTS, RUN_OUTPUT
from tests.support.chaos_load import Answers, RunFollower, Writer, check_projects_in_log, until
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

CLUSTER = 3
RUN_PROMPT = "[mock:long:250:20] keep talking"  # ~5 s of streaming per run


@pytest.fixture(scope="module")
def cluster_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(Path(tmp_path_factory.mktemp("cluster")) / "home", up_args=("--nats-cluster", str(CLUSTER)))
    try:
        stack.start(timeout=90)
        yield stack
    finally:
        stack.stop()  # also after a failed start: nothing may outlive the test


async def stream_leader(stack: Stack, stream: str) -> str:
    """The cluster node (its child name in stack.json) that leads ``stream`` now."""
    client = await nats.connect(
        servers=stack.state()["nats_urls"], user="reader", password=stack.nats_password("reader"), connect_timeout=5
    )
    try:
        for _ in range(100):  # right after a kill the stream may be between leaders
            try:
                info = await client.jetstream(timeout=1).stream_info(stream)
            except nats.errors.Error:
                continue
            if info.cluster is not None and info.cluster.leader:
                return str(info.cluster.leader)
            await asyncio.sleep(0.1)
    finally:
        await client.close()
    raise AssertionError(f"{stream} has no leader")


async def test_every_stream_has_one_replica_per_node(cluster_stack: Stack) -> None:
    client = await nats.connect(
        servers=cluster_stack.state()["nats_urls"], user="reader", password=cluster_stack.nats_password("reader")
    )
    try:
        for spec in (EVENTS, RUN_OUTPUT):
            info = await client.jetstream().stream_info(spec.name)
            assert info.config.num_replicas == CLUSTER
            assert info.cluster is not None and len(info.cluster.replicas or []) == CLUSTER - 1
    finally:
        await client.close()
    assert len(cluster_stack.state()["nats_url"].split(",")) == CLUSTER  # services get every node


async def test_killing_stream_leaders_during_runs_loses_nothing(cluster_stack: Stack) -> None:
    answers, stop_writing = Answers(), asyncio.Event()
    writers = [Writer(f"cluster_writer_{n}") for n in range(2)]
    followers = [RunFollower(f"cluster_runner_{n}", RUN_PROMPT) for n in range(3)]
    async with httpx.AsyncClient(base_url=cluster_stack.base_url) as client:
        writing = [asyncio.create_task(w.run(client, cluster_stack.token, answers, stop_writing)) for w in writers]
        try:
            await asyncio.gather(*(f.start(client, cluster_stack.token, answers) for f in followers))
            following = [asyncio.create_task(f.follow(client, cluster_stack.token, answers, 60)) for f in followers]
            await until(lambda: all(f.frames for f in followers), 30, "every run streaming")

            killed = []
            for stream in (EVENTS.name, RUN_OUTPUT.name):
                leader = await stream_leader(cluster_stack, stream)
                os.kill(int(cluster_stack.state()["children"][leader]), signal.SIGKILL)
                killed.append((stream, leader))
                await asyncio.sleep(1.5)

            await asyncio.gather(*following)
            await asyncio.sleep(2)  # writes keep going once the cluster healed
        finally:
            stop_writing.set()
            await asyncio.gather(*writing)

    for follower in followers:
        assert follower.status == "completed", (follower.run_id, follower.status, len(follower.frames))
        assert follower.gaps_and_duplicates() == (0, 0), follower.run_id
    acknowledged = [project for writer in writers for project in writer.acknowledged]
    assert acknowledged
    check = await check_projects_in_log(
        cluster_stack.state()["nats_urls"], cluster_stack.nats_password("reader"), acknowledged
    )
    assert (check.lost, check.duplicated) == (0, 0), check
    stall = max(seconds for writer in writers for _, seconds in writer.latencies)
    print(
        f"\nkilled {killed}; {check.acknowledged} acknowledged writes, longest write {stall:.2f}s, "
        f"{len(answers.server_errors())} 5xx, SSE reconnects {[f.reconnects for f in followers]}"
    )
