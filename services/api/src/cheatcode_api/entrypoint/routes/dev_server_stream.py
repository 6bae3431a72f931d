"""``GET /api/sandboxes/{id}/dev-server/stream``: SSE about a dev server starting (owner only).

Polls the session's last command once a second for up to ``WAIT_SECONDS``, looking for the
"ready" patterns of reference §9.2; a heartbeat every 5 s; always ends with ``{"type":"done"}``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from cheatcode_api.domain.rows import SandboxRow
from cheatcode_api.handlers import sandboxes as use
from cheatcode_api.ports.commands import CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import ErrorCode, sandbox as sb
from cheatcode_contracts.projects import preview_port

WAIT_SECONDS = 60
HEARTBEAT_SECONDS = 5
READY = {
    "mobile": ("metro waiting on", "your app is ready", "8081"),
    "web": ("ready", "local:", "3000", "started server"),
}


def frame(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def is_ready(logs: str, app_type: str) -> bool:
    text = logs.lower()
    return any(pattern in text for pattern in READY.get(app_type, READY["web"]))


async def events(
    deps: use.SandboxDeps, row: SandboxRow, session_name: str, app_type: str, base_url: str
) -> AsyncIterator[bytes]:
    try:
        async for payload in _watch(deps, row, session_name, app_type, base_url):
            yield frame(payload)
    except (CommandRejectedError, CommandBusUnavailableError) as error:
        yield frame({"type": "error", "message": str(error)})
    yield frame({"type": "done"})


async def _watch(
    deps: use.SandboxDeps, row: SandboxRow, session_name: str, app_type: str, base_url: str
) -> AsyncIterator[dict[str, Any]]:
    yield {"type": "status", "status": "checking"}
    port = preview_port(app_type)
    began = last_beat = time.monotonic()
    announced = False
    while time.monotonic() - began < WAIT_SECONDS:
        try:
            status = await deps.commands.ask(
                sb.GetSessionStatus(sandbox_id=row.sandbox_id, session_name=session_name), sb.SessionStatus
            )
        except CommandRejectedError as error:
            if error.code is not ErrorCode.NOT_FOUND:
                raise
            yield {"type": "status", "status": "stopped", "message": "Session not found"}
            return
        if not status.commands:
            yield {"type": "status", "status": "stopped", "message": "No commands in session"}
            return
        if not announced:
            yield {"type": "status", "status": "starting"}
            announced = True
        if is_ready(status.commands[-1].logs, app_type):
            yield {"type": "status", "status": "running"}
            yield {"type": "preview_url", "url": use.preview_url(base_url, row, port)}
            return
        if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
            last_beat = time.monotonic()
            yield {"type": "heartbeat", "elapsed": int(last_beat - began)}
        await asyncio.sleep(1)  # the session has no push channel: poll as the original did
    if await use.port_open(deps, row, port):
        yield {"type": "status", "status": "running"}
        yield {"type": "preview_url", "url": use.preview_url(base_url, row, port)}
    else:
        yield {"type": "status", "status": "starting", "message": "Still starting..."}
