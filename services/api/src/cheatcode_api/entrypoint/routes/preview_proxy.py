"""``/api/preview/{sandbox_id}/{token}/{port}/{path}``: a dev server inside a sandbox (HTTP and WebSocket).

Browsers load previews in iframes, which cannot send a bearer token, so the capability is the
unguessable per-sandbox ``preview_token`` in the path (compared in constant time). The API asks
the sandbox service which replica hosts the sandbox (``GetPreviewTarget``) and relays the request
to that replica's preview gateway, streaming the response back. WebSockets (hot reload) are
relayed message by message over a client connection to the same gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.websockets import WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from cheatcode_api.entrypoint.deps import ContainerDep
from cheatcode_api.entrypoint.edge import relayed
from cheatcode_api.handlers.errors import ApiError, NotFoundError, UpstreamUnavailableError
from cheatcode_api.ports.commands import CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import sandbox as sb

router = APIRouter(tags=["previews"])
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
     "transfer-encoding", "upgrade", "host", "content-length"}
)  # fmt: skip
NOT_FOUND = "Preview not found"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def target_url(container: ContainerDep, sandbox_id: str, token: str, port: int, path: str) -> str:
    row = await container.sandbox_reads.sandbox(sandbox_id)
    if row is None or not row.preview_token or not hmac.compare_digest(row.preview_token, token):
        raise NotFoundError(NOT_FOUND)
    if not 0 < port < 65536:
        raise NotFoundError(NOT_FOUND)
    try:
        target = await container.commands.ask(sb.GetPreviewTarget(sandbox_id=sandbox_id, port=port), sb.PreviewTarget)
    except (CommandRejectedError, CommandBusUnavailableError) as error:
        raise UpstreamUnavailableError(f"Preview unavailable: {error}") from None
    return f"{target.origin}{target.path_prefix}/{path}"


@router.api_route("/preview/{sandbox_id}/{token}/{port}/{path:path}", methods=METHODS, include_in_schema=False)
@relayed  # a dev server's own traffic: any bytes, streamed
async def proxy(
    sandbox_id: str, token: str, port: int, path: str, request: Request, container: ContainerDep
) -> StreamingResponse:
    url = await target_url(container, sandbox_id, token, port, path)
    if request.url.query:
        url = f"{url}?{request.url.query}"
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
    # One connection per request: the gateway serves one exchange per connection.
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(60.0, connect=10.0), limits=httpx.Limits(max_keepalive_connections=0)
    )
    upstream_request = client.build_request(request.method, url, headers=headers, content=request.stream())
    try:
        upstream = await client.send(upstream_request, stream=True)
    except httpx.HTTPError as error:
        await client.aclose()
        raise UpstreamUnavailableError(f"Preview unavailable: {error.__class__.__name__}") from None

    async def body() -> AsyncIterator[bytes]:
        async for chunk in upstream.aiter_raw():
            yield chunk

    async def close() -> None:
        await upstream.aclose()
        await client.aclose()

    response_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
    return StreamingResponse(
        body(), status_code=upstream.status_code, headers=response_headers, background=BackgroundTask(close)
    )


@router.websocket("/preview/{sandbox_id}/{token}/{port}/{path:path}")
async def proxy_websocket(websocket: WebSocket, sandbox_id: str, token: str, port: int, path: str) -> None:
    container = websocket.app.state.container
    try:
        url = await target_url(container, sandbox_id, token, port, path)
    except ApiError:
        await websocket.close(code=1008)
        return
    query = websocket.url.query
    ws_url = "ws" + url.removeprefix("http") + (f"?{query}" if query else "")
    protocols = list(websocket.scope.get("subprotocols") or [])
    try:
        upstream = await connect(ws_url, subprotocols=protocols or None, open_timeout=10, max_size=None)  # type: ignore[arg-type]
    except (OSError, WebSocketException, TimeoutError):
        await websocket.close(code=1011)
        return
    async with upstream:
        await websocket.accept(subprotocol=upstream.subprotocol)
        relays = [
            asyncio.create_task(_to_sandbox(websocket, upstream)),
            asyncio.create_task(_to_client(websocket, upstream)),
        ]
        try:
            await asyncio.wait(relays, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for relay in relays:
                relay.cancel()
            with contextlib.suppress(Exception):
                await websocket.close()


async def _to_sandbox(websocket: WebSocket, upstream: ClientConnection) -> None:
    with contextlib.suppress(WebSocketDisconnect, WebSocketException):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await upstream.send(message["text"])
            elif message.get("bytes") is not None:
                await upstream.send(message["bytes"])


async def _to_client(websocket: WebSocket, upstream: ClientConnection) -> None:
    with contextlib.suppress(WebSocketDisconnect, WebSocketException, RuntimeError):
        async for message in upstream:
            if isinstance(message, str):
                await websocket.send_text(message)
            else:
                await websocket.send_bytes(message)
