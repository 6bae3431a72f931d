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
    """Gives frames the sequence 1, 2, 3... of one run, with no gap.

    A frame keeps its number until it is known to be stored: a publish that raised or was
    cancelled (it may or may not have reached the stream) is published again, with the same
    number and hence the same ``Nats-Msg-Id``, before the next frame. JetStream stores it
    once either way, so a reader never sees a skipped or repeated sequence.
    """

    def __init__(self, output: RunOutput, run_id: str, *, last_sequence: int = 0) -> None:
        self._output = output
        self.run_id = run_id
        self.sequence = last_sequence  # the last number given out
        self._unsettled: dict[str, Any] | None = None  # a frame whose publish did not finish

    async def content(self, text: str, message_id: str | None) -> None:
        await self._publish(content_frame(self.sequence + 1, text, message_id))

    async def tool_call(self, tool: str, arguments: dict[str, Any], call_id: str, message_id: str | None) -> None:
        await self._publish(tool_call_frame(self.sequence + 1, tool, arguments, call_id, message_id))

    async def tool_result(self, tool: str, result: Any, success: bool, call_id: str, message_id: str | None) -> None:
        await self._publish(tool_result_frame(self.sequence + 1, tool, result, success, call_id, message_id))

    async def status(self, status: str, message: str = "") -> bool:
        """False when the number was taken already (another writer on the same run)."""
        return await self._publish(status_frame(self.sequence + 1, status, message))

    async def _publish(self, frame: dict[str, Any]) -> bool:
        if self._unsettled is not None:
            await self._output.publish(self.run_id, self._unsettled)  # stored now, or it already was
            self._unsettled = None
        self.sequence = int(frame["sequence"])
        self._unsettled = frame
        stored = await self._output.publish(self.run_id, frame)
        self._unsettled = None
        return stored


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
        if await writer.status(run.status or "failed", run.outcome or ""):
            return
