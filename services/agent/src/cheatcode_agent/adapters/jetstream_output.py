"""Run output frames on JetStream (stream RUN_OUTPUT, subject ``cc.run.<run_id>``)."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from cheatcode_agent.ports.run_output import RunOutput
from cheatcode_contracts.frames import decode_frame, encode_frame, run_output_subject


class JetStreamRunOutput(RunOutput):
    def __init__(self, js: JetStreamContext, *, stream: str = "RUN_OUTPUT", timeout: float = 5.0) -> None:
        self._js = js
        self._stream = stream
        self._timeout = timeout

    async def publish(self, run_id: str, frame: dict[str, Any]) -> bool:
        body, headers = encode_frame(run_id, frame)
        ack = await self._js.publish(
            run_output_subject(run_id), body, timeout=self._timeout, stream=self._stream, headers=headers
        )
        return not ack.duplicate

    async def last_frame(self, run_id: str) -> dict[str, Any] | None:
        try:
            msg = await self._js.get_last_msg(self._stream, run_output_subject(run_id), direct=True)
        except NotFoundError:
            return None
        return decode_frame(msg.data) if msg.data else None
