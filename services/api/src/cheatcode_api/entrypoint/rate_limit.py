"""Rate limits (reference §2.3) as pure ASGI middleware, counted in a store replicas share.

A refused request gets 429 ``{"message": "Rate limit exceeded", "detail": "<limit>"}`` with
``Retry-After`` (whole seconds until the window lets one more in) before any route code
runs. The admin key and the health routes are exempt. If the shared store cannot be reached
the request goes through: a limit protects the service, it must not take it down with NATS.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from cheatcode_api.domain.rate_limits import RULES, WINDOW_SECONDS, Rule, client_key, rule_for
from cheatcode_api.entrypoint.credentials import bearer_token
from cheatcode_api.ports.rate_limits import RateLimiter, RateLimiterUnavailableError

log = logging.getLogger(__name__)

ADMIN_HEADERS = (b"x-api-key", b"x-admin-api-key")


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: Callable[[], RateLimiter | None],
        admin_key: str | None,
        rules: tuple[Rule, ...] = RULES,
        prefix: str = "/api",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._limiter = limiter  # None until the container has connected (or when disabled)
        self._admin_key = admin_key.encode() if admin_key else None
        self._rules = rules
        self._prefix = prefix
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self._rule(scope)
        limiter = self._limiter() if rule is not None else None
        if rule is None or limiter is None or self._is_admin(scope):
            await self._app(scope, receive, send)
            return
        key = f"{rule.name}.{client_key(bearer_token(scope, from_query=True), _address(scope))}"
        try:
            decision = await limiter.hit(key, limit=rule.per_minute, window=WINDOW_SECONDS, now=self._clock())
        except RateLimiterUnavailableError as error:
            log.warning("rate limit store unavailable, letting the request through: %s", error)
            await self._app(scope, receive, send)
            return
        if decision.allowed:
            await self._app(scope, receive, send)
            return
        await _refuse(send, rule, decision.retry_after)

    def _rule(self, scope: Scope) -> Rule | None:
        if scope["type"] != "http":
            return None
        path: str = scope["path"]
        if not path.startswith(self._prefix):
            return None
        return rule_for(self._rules, scope["method"], path[len(self._prefix) :])

    def _is_admin(self, scope: Scope) -> bool:
        if self._admin_key is None:
            return False
        for name, value in scope["headers"]:
            if name in ADMIN_HEADERS and hmac.compare_digest(value, self._admin_key):
                return True
        return False


def _address(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


async def _refuse(send: Send, rule: Rule, retry_after: float) -> None:
    body = json.dumps({"message": "Rate limit exceeded", "detail": rule.description}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(max(1, math.ceil(retry_after))).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
