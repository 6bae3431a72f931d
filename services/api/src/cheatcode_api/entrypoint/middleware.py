"""Security headers (reference §2.4) and CORS, as pure ASGI middleware (safe for streaming)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cheatcode_api.entrypoint.access_log import AccessLogMiddleware

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"content-security-policy-report-only", b"default-src 'self'; frame-ancestors 'none'; object-src 'none'"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_HEADERS = [
    "Content-Type",
    "Authorization",
    "X-Project-Id",
    "X-API-Key",
    "X-Admin-Api-Key",
    "X-Refresh-Token",
    "X-MCP-URL",
    "X-MCP-Type",
    "Last-Event-ID",
    "Cache-Control",
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self._app = app
        self._headers = (*SECURITY_HEADERS, HSTS) if hsts else SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [header for header in self._headers if header[0] not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self._app(scope, receive, send_with_headers)


def install_middleware(app: FastAPI, *, cors_origins: list[str], hsts: bool) -> None:
    # Added last = outermost: CORS answers preflights before anything else runs.
    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts)
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=cors_origins,
        allow_credentials=True,
        allow_methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
        expose_headers=["Retry-After"],
    )
