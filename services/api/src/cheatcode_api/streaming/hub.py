"""Process-wide fan-out: one JetStream follower for all runs, a feed per run with local clients.

One ordered consumer on ``cc.run.>`` (started at the stream's end; see follower.py)
delivers every frame in stream order; frames of runs without local clients are dropped after a dict lookup.
So a process uses one consumer however many streams it serves (nats-server 2.15 caps a
stream at 1,000 consumers by default), pays no per-run consumer set-up, and has no
per-run background tasks. The cost: every API replica reads all run output, which is
the figure to watch when scaling replicas (shard ``cc.run`` subjects past that).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from cheatcode_api.ports.run_streams import RunStreams
from cheatcode_api.streaming.client import SseClient
from cheatcode_api.streaming.connection import StreamingNatsClient
from cheatcode_api.streaming.feed import RunFeed
from cheatcode_api.streaming.follower import OrderedFollower
from cheatcode_api.streaming.frames import (
    PING,
    encode_event,
    encode_frame,
    is_terminal,
    is_terminal_raw,
    stream_sequence,
)
from cheatcode_api.streaming.replay import Frame, last_frame, read_frames
from cheatcode_contracts.streams import RUN_OUTPUT
from cheatcode_contracts.subjects import RUN_OUTPUT_PREFIX, run_output_subject

log = logging.getLogger(__name__)
_RUN_ID_AT = len(RUN_OUTPUT_PREFIX) + 1


@dataclass(frozen=True)
class StreamingSettings:
    heartbeat_seconds: float = 15.0
    # Per run with local clients: frames kept for in-memory resume (a reconnect is usually a few
    # frames behind); older positions replay from JetStream. ~300 B a frame: this sets memory per run.
    window_frames: int = 128
    max_client_buffer_bytes: int = 8 * 1024 * 1024  # a client that stops reading is dropped past this
    ended_grace_seconds: float = 2.0  # an ended run's stream without a terminal frame closes after this
    raw_follower: bool = True  # False: nats-py's ordered consumer (more CPU per frame)


class RunStreamHub(RunStreams):
    def __init__(self, nc: Client, settings: StreamingSettings | None = None, *, owns_connection: bool = False) -> None:
        self._nc = nc
        self._owns_connection = owns_connection
        self.settings = settings or StreamingSettings()
        self._feeds: dict[str, RunFeed] = {}
        self.position = 0  # stream sequence of the last frame the follower delivered
        self._follower: Any = None
        self._heartbeat: asyncio.Task[None] | None = None
        self.frames_delivered = 0  # frames handed to SSE clients (one per client per frame), for metrics

    @property
    def feed_count(self) -> int:
        return len(self._feeds)

    @property
    def client_count(self) -> int:
        return sum(len(feed.clients) for feed in self._feeds.values())

    async def start(self) -> None:
        js = self._nc.jetstream()
        info = await js.stream_info(RUN_OUTPUT.name)
        self.position = info.state.last_seq
        if isinstance(self._nc, StreamingNatsClient) and self.settings.raw_follower:
            follower = OrderedFollower(
                self._nc, RUN_OUTPUT.name, f"{RUN_OUTPUT_PREFIX}.>", self.position + 1, self._on_frame
            )
            await follower.start()
            self._follower = follower
        else:  # any nats-py client: its ordered consumer (more CPU per frame)
            self._follower = await js.subscribe(
                f"{RUN_OUTPUT_PREFIX}.>",
                stream=RUN_OUTPUT.name,
                cb=self._on_msg,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                config=ConsumerConfig(opt_start_seq=self.position + 1),
            )
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name="sse-heartbeat")

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        for feed in self._feeds.values():
            for client in list(feed.clients):
                client.close()
        self._feeds = {}
        follower, self._follower = self._follower, None
        with contextlib.suppress(Exception):
            if isinstance(follower, OrderedFollower):
                await follower.stop()
            elif follower is not None:
                await follower.unsubscribe()
        if self._owns_connection:
            await self._nc.drain()

    def _on_frame(self, subject: bytes, seq: int, data: bytes, headers: bytes | None) -> None:
        self.position = seq
        feed = self._feeds.get(subject[_RUN_ID_AT:].decode())
        if feed is not None:
            self.frames_delivered += len(feed.clients)
            feed.deliver((seq, encode_frame(seq, data), is_terminal_raw(headers, data)))

    async def _on_msg(self, msg: Msg) -> None:
        seq = stream_sequence(msg.reply)[0]
        self.position = seq
        feed = self._feeds.get(msg.subject[_RUN_ID_AT:])
        if feed is not None:
            self.frames_delivered += len(feed.clients)
            feed.deliver((seq, encode_frame(seq, msg.data), is_terminal(msg.headers, msg.data)))

    async def is_past_terminal(self, run_id: str, after_seq: int) -> bool:
        """True when the run's terminal frame is stored and the client already has it (→ 204)."""
        feed = self._feeds.get(run_id)
        if feed is not None and feed.terminal_seq is not None:
            return after_seq >= feed.terminal_seq
        last = await last_frame(self._nc, run_output_subject(run_id))
        return last is not None and last[1] and after_seq >= last[0]

    async def open(self, run_id: str, after_seq: int) -> SseClient:
        """A client that will receive every frame of ``run_id`` with sequence > ``after_seq``."""
        if self._follower is None:
            raise RuntimeError("RunStreamHub.start() was not awaited")
        client = SseClient(run_id, after_seq, max_buffer_bytes=self.settings.max_client_buffer_bytes)
        feed = self._feeds.get(run_id)
        if feed is None:
            # Every frame after ``position`` will reach this feed through the follower.
            feed = self._feeds[run_id] = RunFeed(run_id, self.position, window=self.settings.window_frames)
        catch_up_to = feed.attach(client)
        if catch_up_to is not None:
            try:
                replayed = await self._catch_up(feed.subject, after_seq, catch_up_to)
            except BaseException:
                self.release(client)
                raise
            feed.adopt(replayed, after_seq, catch_up_to)
            client.release_held(replayed)
        return client

    async def _catch_up(self, subject: str, after_seq: int, up_to_seq: int) -> list[Frame]:
        """Stored frames in (after_seq, up_to_seq]; one direct get first spares a replay
        consumer when there is nothing to read (a new run, or a client already up to date)."""
        last = await last_frame(self._nc, subject)
        if last is None or last[0] <= after_seq:
            return []
        return await read_frames(self._nc, subject, after_seq, up_to_seq)

    def finish_if_silent(self, client: SseClient, status: str, message: str) -> None:
        """For a run the read model says ended: unless its terminal frame arrives within the
        grace period, close the stream with a synthesised (id-less) status event."""
        body = json.dumps({"type": "status", "status": status, "message": message}).encode()

        def check() -> None:
            if not client.finished and not client.closed:
                client.finish_with(encode_event(body))

        asyncio.get_running_loop().call_later(self.settings.ended_grace_seconds, check)

    def release(self, client: SseClient) -> None:
        """Detach a finished or disconnected client; the last one out drops the feed."""
        client.close()
        feed = self._feeds.get(client.run_id)
        if feed is not None and feed.detach(client):
            del self._feeds[client.run_id]

    async def _beat(self) -> None:
        """Every half period, ping each client that got nothing since the previous tick."""
        period = self.settings.heartbeat_seconds / 2
        while True:
            await asyncio.sleep(period)
            for feed in list(self._feeds.values()):
                for client in feed.clients:
                    if client.active:
                        client.active = False
                    elif not client.catching_up:
                        client.push_event(PING)
