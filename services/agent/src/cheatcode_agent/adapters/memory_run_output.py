"""Run output in memory, with JetStream's rules (one frame per ``(run_id, sequence)``), for tests."""

from __future__ import annotations

import copy
from typing import Any

from cheatcode_agent.ports.run_output import RunOutput


class InMemoryRunOutput(RunOutput):
    def __init__(self) -> None:
        self.frames: dict[str, list[dict[str, Any]]] = {}

    async def publish(self, run_id: str, frame: dict[str, Any]) -> bool:
        frames = self.frames.setdefault(run_id, [])
        for stored in frames:
            if stored["sequence"] == frame["sequence"]:
                return stored == frame  # like a duplicate Nats-Msg-Id: nothing stored
        frames.append(copy.deepcopy(frame))
        return True

    async def last_frame(self, run_id: str) -> dict[str, Any] | None:
        frames = self.frames.get(run_id)
        return copy.deepcopy(frames[-1]) if frames else None
