"""The caller's bearer token as ASGI middleware sees it (before FastAPI parses anything)."""

from __future__ import annotations

from starlette.types import Scope


def bearer_token(scope: Scope, *, from_query: bool = False) -> str | None:
    """``Authorization: Bearer <token>``; with ``from_query``, else ``?token=`` (SSE clients
    cannot set headers, so their routes take the token from the query string)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = str(value.decode("latin-1")).partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    if from_query:
        query: bytes = scope.get("query_string", b"")
        for part in query.split(b"&"):
            if part.startswith(b"token=") and len(part) > 6:
                return part[6:].decode("latin-1")
    return None
