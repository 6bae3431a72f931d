"""The three ways of reading stored frames give the same frames: the raw fast path, the ordered
consumer (its fallback on a gap) and direct gets (the fallback when the consumer cap is reached)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client

from cheatcode_api.streaming import connect_streaming, replay
from cheatcode_api.streaming.connection import StreamingNatsClient
from cheatcode_contracts.frames import content_frame, run_output_subject, status_frame
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings
from tests.integration.api.streaming.sse import publish


@pytest.fixture(scope="module")
async def streaming(nats_server: NatsServer, nats_client: Client) -> AsyncIterator[StreamingNatsClient]:
    connection = await connect_streaming(NatsSettings(url=nats_server.url), name="replay-tests")
    yield connection
    await connection.close()


async def test_all_replay_paths_agree_from_any_position(nats_client: Client, streaming: StreamingNatsClient) -> None:
    js = nats_client.jetstream()
    run_id = str(uuid.uuid4())
    other = str(uuid.uuid4())
    seqs = []
    for i in range(1, 1500):  # more than one direct-get batch, interleaved with another run
        seqs.append(await publish(js, run_id, content_frame(i, f"c{i}")))
        if i % 3 == 0:
            await publish(js, other, content_frame(i, "noise"))
    seqs.append(await publish(js, run_id, status_frame(1500, "completed")))
    subject = run_output_subject(run_id)
    for after in (0, seqs[10], seqs[-2]):
        by_raw = await replay._read_raw(streaming, subject, after, seqs[-1])
        by_consumer = await replay._read_with_consumer(nats_client, subject, after, seqs[-1])
        by_direct = await replay._read_with_direct_gets(nats_client, subject, after, seqs[-1])
        assert by_raw == by_consumer == by_direct
        assert [frame[0] for frame in by_direct] == [s for s in seqs if s > after]
        assert by_direct[-1][2] and not any(frame[2] for frame in by_direct[:-1])


async def test_nothing_stored_reads_nothing_every_way(nats_client: Client, streaming: StreamingNatsClient) -> None:
    subject = run_output_subject(str(uuid.uuid4()))
    assert await replay._read_raw(streaming, subject, 0, 10) == []
    assert await replay.read_frames(streaming, subject, 5, 10) == []
    assert await replay._read_with_consumer(nats_client, subject, 0, 10) == []
    assert await replay._read_with_direct_gets(nats_client, subject, 0, 10) == []
    assert await replay.last_frame(nats_client, subject) is None
