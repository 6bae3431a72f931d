"""A minimal asyncio HTTP server that answers ``GET /.well-known/jwks.json``.

The JWKS is a fixed document: no framework needed, and it runs inside the supervisor's
event loop. Each response closes its connection (clients such as PyJWKClient reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from cheatcode_infra.dev_issuer import JWKS_PATH

_MAX_REQUEST_HEAD = 16 * 1024


class JwksServer:
    def __init__(self, jwks: dict[str, Any], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._body = json.dumps(jwks).encode()
        self._host, self._port = host, port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}{JWKS_PATH}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            method, path = self._request_line(head)
            if method not in ("GET", "HEAD"):
                self._respond(writer, 405, b'{"detail":"method not allowed"}', head_only=False)
            elif path.split("?", 1)[0] != JWKS_PATH:
                self._respond(writer, 404, b'{"detail":"not found"}', head_only=method == "HEAD")
            else:
                self._respond(writer, 200, self._body, head_only=method == "HEAD")
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError, ConnectionError):
            pass  # a broken or slow client gets no answer; the server carries on
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    def _request_line(head: bytes) -> tuple[str, str]:
        if len(head) > _MAX_REQUEST_HEAD:
            raise ValueError("request head too large")
        method, path, _version = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        return method, path

    @staticmethod
    def _respond(writer: asyncio.StreamWriter, status: int, body: bytes, *, head_only: bool) -> None:
        reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}[status]
        headers = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: max-age=300\r\nConnection: close\r\n\r\n"
        )
        writer.write(headers.encode() + (b"" if head_only else body))
