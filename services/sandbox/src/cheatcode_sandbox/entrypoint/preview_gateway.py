"""The preview gateway: HTTP and WebSocket into a port inside a sandbox hosted by this replica.

The API's preview proxy sends ``GET /<sandbox_id>/<port>/<path>`` here (it learns this replica's
origin from ``GetPreviewTarget``). The gateway reads only the request head, rewrites the target
to ``/<path>``, opens a connection inside the sandbox's network namespace and then relays bytes
both ways, so request bodies, chunked responses and WebSocket upgrades pass through untouched.
One request per connection (``Connection: close`` unless upgrading), so a connection is never
reused for another sandbox. Sandboxes have no network, so they cannot reach this port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

from cheatcode_sandbox.domain.activity import Activity
from cheatcode_sandbox.ports.runtime import SandboxRuntime

logger = logging.getLogger("cheatcode.sandbox.preview")
MAX_HEAD = 64 * 1024
_TARGET = re.compile(r"^/([0-9a-fA-F-]{36})/(\d{1,5})(/[^ ]*)?$")


def _reply(status: str, text: str) -> bytes:
    body = text.encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


def rewrite_head(head: bytes) -> tuple[str, int, bytes] | None:
    """(sandbox id, port, head to send upstream), or None if the head is not one of ours."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    method, target, version = parts
    match = _TARGET.match(target)
    if match is None or not 0 < int(match.group(2)) < 65536:
        return None
    headers = [line for line in lines[1:] if line]
    upgrade = any(h.lower().startswith("upgrade:") for h in headers)
    if not upgrade:
        headers = [h for h in headers if not h.lower().startswith(("connection:", "keep-alive:"))]
        headers.append("Connection: close")
    rebuilt = "\r\n".join([f"{method} {match.group(3) or '/'} {version}", *headers]) + "\r\n\r\n"
    return match.group(1).lower(), int(match.group(2)), rebuilt.encode("latin-1")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()


class PreviewGateway:
    def __init__(self, runtime: SandboxRuntime, host: str, port: int, activity: Activity | None = None) -> None:
        self.runtime = runtime
        # A preview request opening or closing is a use of its sandbox (an open connection alone is not:
        # a forgotten tab's HMR socket must not keep a sandbox running forever).
        self.activity = activity or Activity()
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._relay(reader, writer)
        except Exception:
            logger.debug("preview connection failed", exc_info=True)
        finally:
            writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.write(_reply("400 Bad Request", "bad request head"))
            return
        parsed = rewrite_head(head[:MAX_HEAD])
        if parsed is None:
            writer.write(_reply("404 Not Found", "unknown preview target"))
            return
        sandbox_id, port, upstream_head = parsed
        if not self.runtime.is_running(sandbox_id):
            writer.write(_reply("502 Bad Gateway", "sandbox is not running on this host"))
            return
        try:
            up_reader, up_writer = await self.runtime.open_port(sandbox_id, port)
        except OSError:
            writer.write(_reply("502 Bad Gateway", f"nothing is listening on port {port} in the sandbox"))
            return
        self.activity.touch(sandbox_id)
        up_writer.write(upstream_head)
        await up_writer.drain()
        # The exchange is over when the sandbox side closes; the client side may never half-close.
        to_sandbox = asyncio.create_task(_pipe(reader, up_writer))
        try:
            await _pipe(up_reader, writer)
        finally:
            to_sandbox.cancel()
            up_writer.close()
            self.activity.touch(sandbox_id)
