"""Numbering and publishing one run's output frames; repairing a missing terminal frame."""

from __future__ import annotations

from typing import Any

from cheatcode_agent.domain.run import Run
from cheatcode_agent.ports.run_output import RunOutput
from cheatcode_contracts.frames import (
    content_frame,
    is_terminal_frame,
    status_frame,
    tool_call_frame,
    tool_result_frame,
)


class FrameWriter:
    """Gives frames the sequence 1, 2, 3... of one run.

    A number is taken before its publish: if a publish is cancelled after the server stored
    it, the next frame gets a new number instead of being dropped as a duplicate id.
    """

    def __init__(self, output: RunOutput, run_id: str, *, last_sequence: int = 0) -> None:
        self._output = output
        self.run_id = run_id
        self.sequence = last_sequence

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence

    async def content(self, text: str, message_id: str | None) -> None:
        await self._output.publish(self.run_id, content_frame(self._next(), text, message_id))

    async def tool_call(self, tool: str, arguments: dict[str, Any], call_id: str, message_id: str | None) -> None:
        await self._output.publish(self.run_id, tool_call_frame(self._next(), tool, arguments, call_id, message_id))

    async def tool_result(self, tool: str, result: Any, success: bool, call_id: str, message_id: str | None) -> None:
        frame = tool_result_frame(self._next(), tool, result, success, call_id, message_id)
        await self._output.publish(self.run_id, frame)

    async def status(self, status: str, message: str = "") -> bool:
        """False when the number was taken already (another writer on the same run)."""
        return await self._output.publish(self.run_id, status_frame(self._next(), status, message))


async def writer_for(output: RunOutput, run_id: str) -> FrameWriter:
    """A writer continuing after the run's newest stored frame."""
    last = await output.last_frame(run_id)
    return FrameWriter(output, run_id, last_sequence=int(last["sequence"]) if last else 0)


async def ensure_terminal_frame(output: RunOutput, run: Run, *, attempts: int = 5) -> None:
    """After a terminal event, make sure the stream ends with the matching status frame.

    Another writer (a stalled worker still streaming) may take the same sequence number;
    JetStream then drops ours as a duplicate id, so look again and take the next one.
    """
    for _ in range(attempts):
        last = await output.last_frame(run.run_id)
        if last is not None and is_terminal_frame(last):
            return
        writer = FrameWriter(output, run.run_id, last_sequence=int(last["sequence"]) if last else 0)
        if await writer.status(run.status, run.outcome or ""):
            return
