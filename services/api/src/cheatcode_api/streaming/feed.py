"""One run's live feed in this process, fed by the hub's single JetStream follower.

The feed keeps a window of the latest encoded frames so that a client joining or
resuming a live run is served from memory; older positions are caught up from JetStream.
Invariant: the feed has, or will receive, every frame of the run with sequence > ``base``.
"""

from __future__ import annotations

import bisect

from cheatcode_api.streaming.client import SseClient
from cheatcode_api.streaming.replay import Frame
from cheatcode_contracts.subjects import run_output_subject


def _seq_of(frame: Frame) -> int:
    return frame[0]


class RunFeed:
    __slots__ = ("_frames", "_slack", "_window", "base", "clients", "last_seq", "run_id", "subject", "terminal_seq")

    def __init__(self, run_id: str, base: int, *, window: int) -> None:
        self.run_id = run_id
        self.subject = run_output_subject(run_id)
        self.base = base
        self.last_seq = base
        self.terminal_seq: int | None = None
        self.clients: set[SseClient] = set()
        self._window = max(window, 1)
        self._slack = max(window // 8, 8)  # trim in steps: the hot path stays amortised O(1)
        self._frames: list[Frame] = []

    def deliver(self, frame: Frame) -> None:
        seq = frame[0]
        if seq <= self.last_seq or self.terminal_seq is not None:
            return
        self.last_seq = seq
        if frame[2]:
            self.terminal_seq = seq
        self._frames.append(frame)
        self._trim()
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

    def adopt(self, replayed: list[Frame], after: int, up_to: int) -> None:
        """Keep frames a client just replayed from JetStream, so the next joiner reads memory.

        Only valid if the feed's window still starts at ``up_to`` (the replay covered (after, up_to]).
        """
        if self.base != up_to or after >= up_to:
            return
        older = [frame for frame in replayed if frame[0] <= up_to]
        self._frames[:0] = older
        self.base = after
        if older and older[-1][2] and self.terminal_seq is None:
            self.terminal_seq = older[-1][0]
            self.last_seq = max(self.last_seq, older[-1][0])
        self._trim()

    def detach(self, client: SseClient) -> bool:
        """Remove ``client``; True when no client is left."""
        self.clients.discard(client)
        return not self.clients

    def _trim(self) -> None:
        frames = self._frames
        if len(frames) > self._window + self._slack:
            cut = len(frames) - self._window
            self.base = frames[cut - 1][0]
            del frames[:cut]
