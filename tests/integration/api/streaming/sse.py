"""Test helpers: an in-process uvicorn on a free port, frame publishing and SSE parsing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from nats.js import JetStreamContext
from starlette.types import ASGIApp

from cheatcode_contracts.frames import encode_frame, run_output_subject


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Run ``app`` under a real uvicorn (httpx's ASGI transport buffers SSE)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def publish(js: JetStreamContext, run_id: str, frame: dict[str, Any]) -> int:
    """Publish like the agent does; returns the JetStream stream sequence (the SSE id)."""
    body, headers = encode_frame(run_id, frame)
    ack = await js.publish(run_output_subject(run_id), body, headers=headers)
    return int(ack.seq)


@dataclass(frozen=True)
class SseEvent:
    id: int | None
    event: str | None
    data: dict[str, Any]
    raw_data: str


def parse_events(text: str) -> list[SseEvent]:
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":") and ":" in line:
                name, _, value = line.partition(":")
                fields[name] = value[1:] if value.startswith(" ") else value
        if "data" in fields:
            ident = fields.get("id")
            events.append(
                SseEvent(int(ident) if ident else None, fields.get("event"), json.loads(fields["data"]), fields["data"])
            )
    return events


class SseReader:
    """Reads an open SSE response event by event."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks = response.aiter_text()
        self._buffer = ""

    async def next(self, timeout: float = 5.0) -> SseEvent | None:  # noqa: ASYNC109
        """The next event, or None when the server closed the stream."""
        while "\n\n" not in self._buffer:
            try:
                self._buffer += await asyncio.wait_for(anext(self._chunks), timeout)
            except StopAsyncIteration:
                return None
        block, self._buffer = self._buffer.split("\n\n", 1)
        events = parse_events(block + "\n\n")
        return events[0] if events else await self.next(timeout)

    async def until_closed(self, timeout: float = 5.0) -> list[SseEvent]:  # noqa: ASYNC109
        events = []
        while (event := await self.next(timeout)) is not None:
            events.append(event)
        return events
