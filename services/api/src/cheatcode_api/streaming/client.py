"""One SSE connection's outgoing buffer.

The feed pushes already-encoded frames; the connection's writer task drains them. Frames
are deduplicated by stream sequence, so replayed and live copies of a frame can overlap
without the client ever seeing one twice.
"""

from __future__ import annotations

import asyncio


class SlowClientError(Exception):
    """The client stopped reading and its buffer grew past the cap."""


class SseClient:
    __slots__ = (
        "_waiter",
        "active",
        "buffered_bytes",
        "catching_up",
        "closed",
        "finished",
        "held",
        "last_seq",
        "max_buffer_bytes",
        "pending",
        "run_id",
    )

    def __init__(self, run_id: str, last_seq: int, *, max_buffer_bytes: int) -> None:
        self.run_id = run_id
        self.last_seq = last_seq  # highest stream sequence queued for this client
        self.max_buffer_bytes = max_buffer_bytes
        self.pending: list[bytes] = []
        self.buffered_bytes = 0
        self.held: list[tuple[int, bytes, bool]] | None = None  # live frames parked during catch-up
        self.catching_up = False
        self.finished = False  # the terminal frame is queued: close after writing it
        self.closed = False  # disconnected, or dropped for being too slow
        self.active = False  # wrote something since the last heartbeat tick
        self._waiter: asyncio.Future[None] | None = None

    def push(self, seq: int, frame: bytes, terminal: bool) -> None:
        """Queue one frame (called by the feed for every delivery)."""
        if self.catching_up:
            assert self.held is not None
            self.held.append((seq, frame, terminal))
            return
        if seq <= self.last_seq or self.finished or self.closed:
            return
        self.last_seq = seq
        self._queue(frame)
        if terminal:
            self.finished = True

    def push_event(self, data: bytes) -> None:
        """Queue an id-less event (heartbeat, synthesised status)."""
        if not self.closed and not self.finished:
            self._queue(data)

    def finish_with(self, data: bytes) -> None:
        """Queue a last id-less event and end the stream after it."""
        self.push_event(data)
        self.finished = True
        self._wake()

    def _queue(self, data: bytes) -> None:
        self.pending.append(data)
        self.buffered_bytes += len(data)
        self.active = True
        if self.buffered_bytes > self.max_buffer_bytes:
            self.close()
            return
        self._wake()

    def release_held(self, replayed: list[tuple[int, bytes, bool]]) -> None:
        """End catch-up: queue the replayed frames, then whatever arrived live meanwhile."""
        held = self.held or []
        self.held = None
        self.catching_up = False
        for seq, frame, terminal in replayed:
            self.push(seq, frame, terminal)
        for seq, frame, terminal in held:
            self.push(seq, frame, terminal)
        self._wake()

    def take(self) -> bytes:
        """Everything queued, as one chunk (batches naturally under load)."""
        pending = self.pending
        chunk = pending[0] if len(pending) == 1 else b"".join(pending)
        self.pending = []
        self.buffered_bytes = 0
        return chunk

    async def wait(self) -> None:
        """Until something is queued, the stream finished, or the client went away."""
        if self.pending or self.closed or self.finished:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        self.closed = True
        self.pending = []
        self.buffered_bytes = 0
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
