"""The ASGI response that writes one SSE client's frames until the run ends or the client leaves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from cheatcode_api.ports.run_streams import RunStreams
from cheatcode_api.streaming.client import SseClient

SSE_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-cache, no-transform",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",
}


class SseResponse(Response):
    """Streams ``client``; one writer coroutine plus one that watches for the disconnect."""

    media_type = "text/event-stream"

    def __init__(self, hub: RunStreams, client: SseClient, headers: Mapping[str, str] | None = None) -> None:
        # Not Response.__init__: it would add ``content-length: 0`` for an empty body.
        self.status_code = 200
        self.background = None
        all_headers = {"content-type": "text/event-stream; charset=utf-8", **SSE_HEADERS, **(headers or {})}
        self.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in all_headers.items()]
        self._hub = hub
        self._client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = self._client
        watcher = asyncio.get_running_loop().create_task(_watch_disconnect(receive, client))
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            while True:
                await client.wait()
                if client.closed:
                    return
                if client.pending:
                    await send({"type": "http.response.body", "body": client.take(), "more_body": True})
                if client.finished and not client.pending:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self._hub.release(client)


async def _watch_disconnect(receive: Receive, client: SseClient) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            client.close()
            return
