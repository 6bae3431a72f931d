"""A local OpenRouter for key checks: ``GET /api/v1/auth/key`` with ``Authorization: Bearer <key>``.

Answers as OpenRouter does: 200 ``{"data": {"label", "usage", "limit", "is_free_tier",
"limit_remaining", "rate_limit"}}`` for a known key, 401 ``{"error": {"code", "message"}}``
otherwise. Which keys exist is the double's data: by default every well-formed key
(``sk-or-v1-`` + 64 hex) exists, except that one whose hex part starts with ``dead`` is unknown
(401) and one starting with ``0000`` has a spent credit limit. Tests may list keys explicitly.
``requests`` records the keys it was asked about (tests check which key a caller used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KEY = re.compile(r"^sk-or-v1-([a-f0-9]{64})$", re.IGNORECASE)
UNKNOWN = {"error": {"code": 401, "message": "User not found."}}
NO_AUTH = {"error": {"code": 401, "message": "No auth credentials found"}}


@dataclass
class OpenRouterKeysDouble:
    known: set[str] | None = None  # None: the default rule above
    exhausted: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/api/v1/auth/key", self._auth_key, methods=["GET"])])

    def _exists(self, key: str) -> bool:
        if self.known is not None:
            return key in self.known
        match = KEY.match(key)
        return match is not None and not match.group(1).lower().startswith("dead")

    def _spent(self, key: str) -> bool:
        match = KEY.match(key)
        return key in self.exhausted or (self.known is None and match is not None and match.group(1).startswith("0000"))

    async def _auth_key(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return JSONResponse(NO_AUTH, status_code=401)
        key = header[len("Bearer ") :].strip()
        self.requests.append(key)
        if not self._exists(key):
            return JSONResponse(UNKNOWN, status_code=401)
        spent = self._spent(key)
        data = {
            "label": f"{key[:12]}...{key[-3:]}",
            "usage": 10.0 if spent else 0.25,
            "limit": 10.0 if spent else None,
            "is_free_tier": False,
            "limit_remaining": 0.0 if spent else None,
            "is_provisioning_key": False,
            "rate_limit": {"requests": 230, "interval": "10s"},
        }
        return JSONResponse({"data": data})
