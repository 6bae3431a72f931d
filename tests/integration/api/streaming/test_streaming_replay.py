"""Both ways of reading stored frames give the same frames (the direct-get path is the fallback
used when the stream's consumer cap is reached)."""

from __future__ import annotations

import uuid

from nats.aio.client import Client

from cheatcode_api.streaming import replay
from cheatcode_contracts.runs import content_frame, run_output_subject, status_frame
from tests.integration.api.streaming.sse import publish


async def test_consumer_and_direct_get_replays_agree_from_any_position(nats_client: Client) -> None:
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
        by_consumer = await replay._read_with_consumer(nats_client, subject, after, seqs[-1])
        by_direct = await replay._read_with_direct_gets(nats_client, subject, after, seqs[-1])
        assert by_consumer == by_direct
        assert [frame[0] for frame in by_direct] == [s for s in seqs if s > after]
        assert by_direct[-1][2] and not any(frame[2] for frame in by_direct[:-1])


async def test_nothing_stored_reads_nothing_both_ways(nats_client: Client) -> None:
    subject = run_output_subject(str(uuid.uuid4()))
    assert await replay._read_with_consumer(nats_client, subject, 0, 10) == []
    assert await replay._read_with_direct_gets(nats_client, subject, 0, 10) == []
    assert await replay.last_frame(nats_client, subject) is None
