"""Reading a run's stored frames from JetStream (RUN_OUTPUT).

The fast path is a short-lived push consumer delivered to a raw subscription (no ``Msg``
objects, no header dicts): ~6 ms for 1,000 frames. Its consumer sequence must advance by
one per delivery; on a gap or a stall the read is redone with nats-py's ordered consumer
(~12 ms, self-healing). nats-server 2.15 caps a stream at 1,000 consumers by default;
replay consumers live ~10 ms and are reaped 1 s after their subscription ends, and when
the cap is hit anyway (a reconnect storm) the read falls back to batched direct gets,
which need no consumer (~2x slower: each reply carries ~10 headers).
"""

from __future__ import annotations

import asyncio
import json

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError, NotFoundError

from cheatcode_api.streaming.connection import StreamingNatsClient
from cheatcode_api.streaming.frames import encode_frame, is_terminal, is_terminal_raw, stream_sequence
from cheatcode_contracts.streams import RUN_OUTPUT

Frame = tuple[int, bytes, bool]  # (stream sequence, SSE bytes, is terminal)

BATCH = 1000
DIRECT_GET = f"$JS.API.DIRECT.GET.{RUN_OUTPUT.name}"
ANSWER_TIMEOUT = 5.0  # seconds until a batch must have ended
MAX_CONSUMERS_REACHED = 10026


class ReplayError(Exception):
    """JetStream refused or did not answer a direct get."""


async def read_frames(nc: Client, subject: str, after_seq: int, up_to_seq: int) -> list[Frame]:
    """Frames of ``subject`` with sequence in (after_seq, up_to_seq], possibly a few more.

    Callers dedupe by sequence, so reading a little past ``up_to_seq`` is harmless.
    """
    try:
        if isinstance(nc, StreamingNatsClient):
            frames = await _read_raw(nc, subject, after_seq, up_to_seq)
            if frames is not None:
                return frames
        return await _read_with_consumer(nc, subject, after_seq, up_to_seq)
    except BadRequestError as error:
        if error.err_code != MAX_CONSUMERS_REACHED:
            raise
        return await _read_with_direct_gets(nc, subject, after_seq, up_to_seq)


def consumer_config(after_seq: int) -> tuple[DeliverPolicy, ConsumerConfig]:
    """Start right after ``after_seq`` (the subject filter skips other runs' sequences)."""
    config = ConsumerConfig(inactive_threshold=1.0)
    if after_seq <= 0:
        return DeliverPolicy.ALL, config
    config.opt_start_seq = after_seq + 1
    return DeliverPolicy.BY_START_SEQUENCE, config


async def _read_raw(nc: StreamingNatsClient, subject: str, after_seq: int, up_to_seq: int) -> list[Frame] | None:
    """The fast path; None when a delivery went missing or stalled (the caller reads again)."""
    frames: list[Frame] = []
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    expected = [1]  # next consumer sequence

    def on_delivery(_subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> None:
        if done.done():
            return
        tokens = reply.split(b".") if reply else []
        if len(tokens) == 9:
            seq, delivered, pending = int(tokens[5]), int(tokens[6]), int(tokens[8])
        elif len(tokens) >= 11:
            seq, delivered, pending = int(tokens[7]), int(tokens[8]), int(tokens[10])
        else:  # a status message (e.g. the consumer went away)
            done.set_result(False)
            return
        if delivered != expected[0]:
            done.set_result(False)
            return
        expected[0] += 1
        terminal = is_terminal_raw(headers, data)
        frames.append((seq, encode_frame(seq, data), terminal))
        if seq >= up_to_seq or pending == 0 or terminal:
            done.set_result(True)

    inbox = nc.new_inbox()
    sid = await nc.subscribe_raw(inbox, on_delivery)
    try:
        policy, config = consumer_config(after_seq)
        config.deliver_subject, config.filter_subject = inbox, subject
        config.deliver_policy, config.ack_policy = policy, AckPolicy.NONE
        config.mem_storage, config.num_replicas = True, 1
        info = await nc.jetstream().add_consumer(RUN_OUTPUT.name, config)
        if info.num_pending == 0 and not frames and not done.done():
            done.set_result(True)  # nothing stored after ``after_seq``
        complete = await asyncio.wait_for(done, ANSWER_TIMEOUT)
    except TimeoutError:
        complete = False
    finally:
        await nc.unsubscribe_raw(sid)
    return frames if complete else None


async def _read_with_consumer(nc: Client, subject: str, after_seq: int, up_to_seq: int) -> list[Frame]:
    frames: list[Frame] = []
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def on_msg(msg: Msg) -> None:
        if done.done():
            return
        seq, pending = stream_sequence(msg.reply)
        terminal = is_terminal(msg.headers, msg.data)
        frames.append((seq, encode_frame(seq, msg.data), terminal))
        if seq >= up_to_seq or pending == 0 or terminal:
            done.set_result(None)

    policy, config = consumer_config(after_seq)
    sub = await nc.jetstream().subscribe(
        subject, stream=RUN_OUTPUT.name, cb=on_msg, ordered_consumer=True, deliver_policy=policy, config=config
    )
    try:
        info = await sub.consumer_info()
        delivered = info.delivered.consumer_seq if info.delivered else 0
        if info.num_pending == 0 and delivered == 0 and not done.done():
            done.set_result(None)  # nothing stored after ``after_seq``
        await asyncio.wait_for(done, ANSWER_TIMEOUT)
    except TimeoutError:
        raise ReplayError(f"replay of {subject} stalled") from None
    finally:
        await sub.unsubscribe()
    return frames


async def _read_with_direct_gets(nc: Client, subject: str, after_seq: int, up_to_seq: int) -> list[Frame]:
    frames: list[Frame] = []
    start = after_seq + 1
    while True:
        received = await _batch(nc, subject, start)
        frames += received
        if len(received) < BATCH or received[-1][0] >= up_to_seq or received[-1][2]:
            return frames
        start = received[-1][0] + 1


async def _batch(nc: Client, subject: str, start: int) -> list[Frame]:
    frames: list[Frame] = []
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def on_msg(msg: Msg) -> None:
        headers = msg.headers or {}
        status = headers.get("Status")
        if status is not None:  # 204 end of batch, 404 nothing stored, 408/4xx errors
            if not done.done():
                done.set_result(status)
            return
        seq = int(headers["Nats-Sequence"])
        frames.append((seq, encode_frame(seq, msg.data), is_terminal(headers, msg.data)))

    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, cb=on_msg)
    try:
        request = {"seq": start, "next_by_subj": subject, "batch": BATCH}
        await nc.publish(DIRECT_GET, json.dumps(request).encode(), reply=inbox)
        try:
            status = await asyncio.wait_for(done, ANSWER_TIMEOUT)
        except TimeoutError:
            raise ReplayError(f"no answer to a direct get on {subject}") from None
    finally:
        await sub.unsubscribe()
    if status not in ("204", "404"):
        raise ReplayError(f"direct get on {subject} failed with status {status}")
    return frames


async def last_frame(nc: Client, subject: str) -> tuple[int, bool] | None:
    """(sequence, is terminal) of the newest stored frame of ``subject``, or None."""
    try:
        raw = await nc.jetstream().get_last_msg(RUN_OUTPUT.name, subject, direct=True)
    except NotFoundError:
        return None
    return int(raw.seq or 0), is_terminal(raw.headers, raw.data or b"")
