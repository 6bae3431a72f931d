"""Run output frames on JetStream (stream RUN_OUTPUT, subject ``cc.run.<run_id>``).

A publish is retried through a NATS restart or a leader change with the same
``Nats-Msg-Id`` (``<run_id>:<sequence>``), so it is stored once however often it is sent;
only when NATS stays away past ``retry_deadline`` does it raise
:class:`RunOutputUnavailableError`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nats.errors import (
    ConnectionClosedError,
    ConnectionReconnectingError,
    NoRespondersError,
    TimeoutError as NatsTimeoutError,
)
from nats.js import JetStreamContext
from nats.js.errors import NoStreamResponseError, NotFoundError, ServiceUnavailableError

from cheatcode_agent.ports.run_output import RunOutput, RunOutputUnavailableError
from cheatcode_contracts.frames import decode_frame, encode_frame, run_output_subject

logger = logging.getLogger("cheatcode.agent.output")

# NoStreamResponseError: a publish while the stream is between leaders (a cluster node died).
TRANSIENT = (
    NatsTimeoutError,
    TimeoutError,
    NoRespondersError,
    NoStreamResponseError,
    ConnectionReconnectingError,
    ServiceUnavailableError,
)
RETRY_PAUSE = 0.25
T = TypeVar("T")


class JetStreamRunOutput(RunOutput):
    def __init__(
        self, js: JetStreamContext, *, stream: str = "RUN_OUTPUT", timeout: float = 5.0, retry_deadline: float = 30.0
    ) -> None:
        self._js = js
        self._stream = stream
        self._timeout = timeout
        self._deadline = retry_deadline

    async def publish(self, run_id: str, frame: dict[str, Any]) -> bool:
        body, headers = encode_frame(run_id, frame)
        subject = run_output_subject(run_id)
        ack = await self._retrying(
            f"frame {frame['sequence']} of {run_id}",
            lambda wait: self._js.publish(subject, body, timeout=wait, stream=self._stream, headers=headers),
        )
        if not ack.duplicate:
            return True
        # Its id was taken: by this very frame (a retry after a lost ack, a republish after
        # a cancellation) or by another writer's frame with the same number.
        stored = await self._retrying(f"frame {ack.seq}", lambda _: self._js.get_msg(self._stream, ack.seq))
        return stored.data == body

    async def last_frame(self, run_id: str) -> dict[str, Any] | None:
        subject = run_output_subject(run_id)
        try:
            msg = await self._retrying(
                f"last frame of {run_id}",
                lambda wait: asyncio.wait_for(self._js.get_last_msg(self._stream, subject, direct=True), wait),
            )
        except NotFoundError:
            return None
        return decode_frame(msg.data) if msg.data else None

    async def _retrying(self, what: str, attempt: Callable[[float], Awaitable[T]]) -> T:
        ends = time.monotonic() + self._deadline
        first = True
        while True:
            try:
                return await attempt(max(min(self._timeout, ends - time.monotonic()), 0.05))
            except ConnectionClosedError as error:
                raise RunOutputUnavailableError(f"{what}: the NATS connection is closed") from error
            except TRANSIENT as error:
                if time.monotonic() + RETRY_PAUSE >= ends:
                    raise RunOutputUnavailableError(
                        f"run output: NATS did not answer for {self._deadline:g} s ({type(error).__name__})"
                    ) from error
                if first:
                    logger.warning("run output: %s (%s); retrying until NATS is back", type(error).__name__, what)
                    first = False
                await asyncio.sleep(RETRY_PAUSE)
