"""Reading a run's frames and events back from JetStream, as the API would."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.envelope import decode_event
from cheatcode_contracts.frames import decode_frame, is_terminal_frame, run_output_subject


@dataclass
class FrameFollower:
    """Follows ``cc.run.<run_id>`` from the start; records each frame with its arrival time."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    stream_sequences: list[int] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_message(self, msg: Msg) -> None:
        self.frames.append(decode_frame(msg.data))
        self.arrivals.append(time.monotonic())
        self.stream_sequences.append(msg.metadata.sequence.stream)
        self.changed.set()

    async def wait_for(self, predicate: Any, within: float) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            for frame in self.frames:
                if predicate(frame):
                    return frame
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame; saw {[f['type'] for f in self.frames][-10:]}")
            await asyncio.wait_for(self.changed.wait(), remaining)

    async def terminal(self, within: float) -> dict[str, Any]:
        return await self.wait_for(is_terminal_frame, within)


async def follow(client: Client, run_id: str) -> FrameFollower:
    follower = FrameFollower()
    await client.jetstream().subscribe(
        run_output_subject(run_id),
        stream="RUN_OUTPUT",
        ordered_consumer=True,
        deliver_policy=api.DeliverPolicy.ALL,
        cb=follower.on_message,
    )
    return follower


async def events_on(client: Client, subject: str) -> list[Event]:
    """Every event stored on ``subject`` (via the event store's replay)."""
    from cheatcode_runtime.eventstore import JetStreamEventStore

    history = await JetStreamEventStore(client.jetstream(), build_registry()).load(subject)
    return [stored.event for stored in history.events]


def decode(msg: Msg) -> Event:
    return decode_event(build_registry(), msg.headers, msg.data)
