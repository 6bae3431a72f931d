"""One run's live feed in this process: a single JetStream follower shared by all local clients.

The feed keeps a window of the latest encoded frames so that a client joining or
resuming a live run is served from memory; older positions are caught up from JetStream.
Invariant: the feed has, or will receive, every frame of the run with sequence > ``base``.
"""

from __future__ import annotations

import bisect
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from cheatcode_api.streaming.client import SseClient
from cheatcode_api.streaming.replay import Frame, consumer_config, frame_from_msg
from cheatcode_contracts.streams import RUN_OUTPUT
from cheatcode_contracts.subjects import run_output_subject


def _seq_of(frame: Frame) -> int:
    return frame[0]


class RunFeed:
    def __init__(self, run_id: str, after_seq: int, *, window: int) -> None:
        self.run_id = run_id
        self.subject = run_output_subject(run_id)
        self.base = after_seq
        self.last_seq = after_seq
        self.terminal_seq: int | None = None
        self.clients: set[SseClient] = set()
        self._window = max(window, 1)
        self._frames: list[Frame] = []
        self._sub: Any = None
        self._stopped = False

    async def start(self, js: JetStreamContext) -> None:
        """Follow the run from ``base + 1``: stored frames first, then live ones, in order."""
        policy, config = consumer_config(self.base)
        self._sub = await js.subscribe(
            self.subject,
            stream=RUN_OUTPUT.name,
            cb=self._on_msg,
            ordered_consumer=True,
            deliver_policy=policy,
            config=config,
        )
        if self._stopped:  # every client left while the consumer was being created
            await self.stop()

    async def _on_msg(self, msg: Msg) -> None:
        self.deliver(frame_from_msg(msg)[2])

    def deliver(self, frame: Frame) -> None:
        seq = frame[0]
        if seq <= self.last_seq or self.terminal_seq is not None:
            return
        self.last_seq = seq
        if frame[2]:
            self.terminal_seq = seq
        frames = self._frames
        frames.append(frame)
        if len(frames) > 2 * self._window:  # amortised trim keeps the hot path O(1)
            cut = len(frames) - self._window
            self.base = frames[cut - 1][0]
            del frames[:cut]
        for client in self.clients:
            client.push(*frame)

    def attach(self, client: SseClient) -> int | None:
        """Register ``client``; return the sequence it must be caught up to from JetStream, if any.

        Synchronous on purpose: no frame can arrive between copying the window and joining.
        """
        after = client.last_seq
        frames = self._frames
        start = bisect.bisect_right(frames, after, key=_seq_of)
        self.clients.add(client)
        if after >= self.base:
            for frame in frames[start:]:
                client.push(*frame)
            return None
        client.catching_up = True
        client.held = frames[start:]
        return self.base

    def detach(self, client: SseClient) -> bool:
        """Remove ``client``; True when no client is left."""
        self.clients.discard(client)
        return not self.clients

    async def stop(self) -> None:
        self._stopped = True
        sub, self._sub = self._sub, None
        if sub is not None:
            await sub.unsubscribe()
