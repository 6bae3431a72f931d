"""One log line per request, with secrets in the query string masked (``?token=`` on SSE routes)."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cheatcode_api.access")
SECRET_MARKERS = ("token", "key", "secret", "password")


def masked_query(query: str) -> str:
    """The query string with the value of every secret-looking parameter replaced by ``***``."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    safe = [(name, "***" if any(m in name.lower() for m in SECRET_MARKERS) else value) for name, value in pairs]
    return urlencode(safe, safe="*")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, remember_status)
        finally:
            query = masked_query(scope.get("query_string", b"").decode("latin-1"))
            path = scope["path"] + (f"?{query}" if query else "")
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %d %.1fms", scope["method"], path, status, elapsed)
