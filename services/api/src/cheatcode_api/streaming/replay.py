"""Reading a run's stored frames from JetStream (RUN_OUTPUT) at a given position."""

from __future__ import annotations

import asyncio
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from cheatcode_api.streaming.frames import encode_frame, is_terminal, stream_sequence
from cheatcode_contracts.streams import RUN_OUTPUT

Frame = tuple[int, bytes, bool]  # (stream sequence, SSE bytes, is terminal)


def frame_from_msg(msg: Msg) -> tuple[int, int, Frame]:
    """(stream sequence, pending after it, encoded frame) of one delivery."""
    seq, pending = stream_sequence(msg.reply)
    return seq, pending, (seq, encode_frame(seq, msg.data), is_terminal(msg.headers, msg.data))


def consumer_config(after_seq: int) -> tuple[DeliverPolicy, ConsumerConfig]:
    """Start right after ``after_seq`` (the subject filter skips other runs' sequences)."""
    if after_seq <= 0:
        return DeliverPolicy.ALL, ConsumerConfig()
    return DeliverPolicy.BY_START_SEQUENCE, ConsumerConfig(opt_start_seq=after_seq + 1)


async def read_frames(js: JetStreamContext, subject: str, after_seq: int, up_to_seq: int) -> list[Frame]:
    """Frames of ``subject`` with sequence in (after_seq, ≥ up_to_seq], in order.

    Stops at the first frame at or past ``up_to_seq``, at the terminal frame, or when the
    subject has nothing more stored (pending 0). Used for catch-up only: live frames come
    from the run's feed, and the client dedupes the overlap by sequence.
    """
    frames: list[Frame] = []
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    async def on_msg(msg: Msg) -> None:
        if done.done():
            return
        seq, pending, frame = frame_from_msg(msg)
        frames.append(frame)
        if seq >= up_to_seq or pending == 0 or frame[2]:
            done.set_result(None)

    policy, config = consumer_config(after_seq)
    sub = await js.subscribe(
        subject, stream=RUN_OUTPUT.name, cb=on_msg, ordered_consumer=True, deliver_policy=policy, config=config
    )
    try:
        info = await sub.consumer_info()
        delivered = info.delivered.consumer_seq if info.delivered else 0
        if info.num_pending == 0 and delivered == 0 and not done.done():
            # Nothing stored after ``after_seq`` unless it arrived meanwhile: one pending
            # delivery would have been counted in ``num_pending`` or already delivered.
            done.set_result(None)
        await done
    finally:
        await sub.unsubscribe()
    return frames


async def last_frame(js: JetStreamContext, subject: str) -> tuple[int, bool] | None:
    """(sequence, is terminal) of the newest stored frame of ``subject``, or None."""
    try:
        raw: Any = await js.get_last_msg(RUN_OUTPUT.name, subject, direct=True)
    except NotFoundError:
        return None
    return raw.seq, is_terminal(raw.headers, raw.data or b"")
