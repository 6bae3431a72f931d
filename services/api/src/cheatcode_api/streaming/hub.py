"""Process-wide registry of run feeds, heartbeats and the open/close protocol of SSE clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from nats.js import JetStreamContext

from cheatcode_api.streaming.client import SseClient
from cheatcode_api.streaming.feed import RunFeed
from cheatcode_api.streaming.frames import PING
from cheatcode_api.streaming.replay import last_frame, read_frames
from cheatcode_contracts.subjects import run_output_subject

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamingSettings:
    heartbeat_seconds: float = 15.0
    window_frames: int = 1024  # per run with local clients: frames kept for in-memory resume
    max_client_buffer_bytes: int = 8 * 1024 * 1024  # a client that stops reading is dropped past this


class RunStreamHub:
    """Starts a run's feed on its first local client and stops it when the last one leaves."""

    def __init__(self, js: JetStreamContext, settings: StreamingSettings | None = None) -> None:
        self._js = js
        self.settings = settings or StreamingSettings()
        self._feeds: dict[str, RunFeed] = {}
        self._starting: dict[str, asyncio.Future[None]] = {}
        self._heartbeat: asyncio.Task[None] | None = None

    @property
    def feed_count(self) -> int:
        return len(self._feeds)

    @property
    def client_count(self) -> int:
        return sum(len(feed.clients) for feed in self._feeds.values())

    def start(self) -> None:
        if self._heartbeat is None:
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name="sse-heartbeat")

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            for client in list(feed.clients):
                client.close()
            await feed.stop()

    async def is_past_terminal(self, run_id: str, after_seq: int) -> bool:
        """True when the run's terminal frame exists and the client already has it (→ 204)."""
        feed = self._feeds.get(run_id)
        if feed is not None and feed.terminal_seq is not None:
            return after_seq >= feed.terminal_seq
        last = await last_frame(self._js, run_output_subject(run_id))
        return last is not None and last[1] and after_seq >= last[0]

    async def open(self, run_id: str, after_seq: int) -> SseClient:
        """A client that will receive every frame of ``run_id`` with sequence > ``after_seq``."""
        client = SseClient(run_id, after_seq, max_buffer_bytes=self.settings.max_client_buffer_bytes)
        feed = await self._feed_for(run_id, after_seq)
        catch_up_to = feed.attach(client)
        if catch_up_to is not None:
            try:
                replayed = await read_frames(self._js, feed.subject, after_seq, catch_up_to)
            except BaseException:
                self.release(client)
                raise
            client.release_held(replayed)
        return client

    def release(self, client: SseClient) -> None:
        """Detach a finished or disconnected client; the last one out stops the feed."""
        client.close()
        feed = self._feeds.get(client.run_id)
        if feed is not None and feed.detach(client):
            del self._feeds[client.run_id]
            task = asyncio.get_running_loop().create_task(feed.stop())
            task.add_done_callback(_log_failure)

    async def _feed_for(self, run_id: str, after_seq: int) -> RunFeed:
        while (starting := self._starting.get(run_id)) is not None:
            await asyncio.shield(starting)
        feed = self._feeds.get(run_id)
        if feed is not None:
            return feed
        feed = RunFeed(run_id, after_seq, window=self.settings.window_frames)
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._starting[run_id] = started
        try:
            await feed.start(self._js)
            self._feeds[run_id] = feed
        finally:
            del self._starting[run_id]
            started.set_result(None)
        return feed

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


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("stopping a run feed failed: %r", task.exception())
