"""``Idempotency-Key`` on the POSTs that create something, as pure ASGI middleware.

The same key and body (per user, within 24 h) answers with the first response and creates
nothing; the same key with another body is 422; while the first is still running, a second
waits for it (then 409 if it is still not done). The request runs under
``repeatable_ids(user + key)``, so its ids and command ids are the same on every attempt: if
a first attempt wrote but answered 5xx (say a read-your-writes timeout), the record is
released and the retry runs again, and the event store recognises the earlier write instead
of storing a second project.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cheatcode_api.entrypoint.credentials import bearer_token
from cheatcode_api.ports.idempotency import (
    ClaimOutcome,
    IdempotencyStore,
    IdempotencyUnavailableError,
    StoredResponse,
)
from cheatcode_contracts import repeatable_ids

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
MAX_STORED_BODY = 256 * 1024
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.1
KEPT_HEADERS = frozenset({"content-type", "location", "retry-after"})

# POST routes (below /api) that create something.
CREATING_ROUTES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"^/projects/?$",
        r"^/threads/?$",
        r"^/threads/[^/]+/messages/?$",
        r"^/thread/[^/]+/agent/start/?$",
        r"^/agent/initiate/?$",
        r"^/billing/create-checkout-session/?$",
        r"^/project/[^/]+/deploy/git/?$",
        r"^/composio/profiles/?$",
    )
)

Authenticate = Callable[[str], Awaitable[str | None]]  # bearer token -> user id, None if invalid


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Callable[[], IdempotencyStore | None],
        authenticate: Authenticate,
        prefix: str = "/api",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._store = store
        self._authenticate = authenticate
        self._prefix = prefix
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        store = self._store() if key is not None else None
        token = bearer_token(scope) if store is not None else None
        user = await self._authenticate(token) if token else None
        if key is None or store is None or user is None:
            await self._app(scope, receive, send)  # no key, or not signed in: the route decides
            return
        if len(key) > MAX_KEY_LENGTH:
            await _json(send, 422, {"detail": f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters"})
            return
        body = await _read_body(receive)
        record = hashlib.sha256(f"{user}\0{key}".encode()).hexdigest()[:40]
        fingerprint = _fingerprint(scope, body)
        try:
            await self._run(scope, send, store, record, fingerprint, body, seed=f"{user}:{key}")
        except IdempotencyUnavailableError as error:
            log.warning("idempotency store unavailable: %s", error)
            await _json(send, 503, {"detail": "Idempotency records are unavailable; retry shortly"}, retry=True)

    async def _run(
        self,
        scope: Scope,
        send: Send,
        store: IdempotencyStore,
        record: str,
        fingerprint: str,
        body: bytes,
        *,
        seed: str,
    ) -> None:
        waited = 0.0
        while True:
            claim = await store.claim(record, fingerprint, now=self._clock())
            if claim.outcome is not ClaimOutcome.IN_PROGRESS or waited >= WAIT_SECONDS:
                break
            await asyncio.sleep(POLL_SECONDS)
            waited += POLL_SECONDS
        if claim.outcome is ClaimOutcome.MISMATCH:
            await _json(send, 422, {"detail": "This Idempotency-Key was already used with a different request"})
            return
        if claim.outcome is ClaimOutcome.IN_PROGRESS:
            await _json(send, 409, {"detail": "A request with this Idempotency-Key is still in progress"}, retry=True)
            return
        if claim.outcome is ClaimOutcome.REPLAY and claim.response is not None:
            await _replay(send, claim.response)
            return
        captured = _Capture(send)
        try:
            with repeatable_ids(seed):
                await self._app(scope, _replaying(body), captured.send)
        except BaseException:
            await store.release(record)
            raise
        response = captured.response()
        if response is None or response.status >= 500 or len(response.body) > MAX_STORED_BODY:
            await store.release(record)  # failed on our side: a retry runs again, with the same ids
        else:
            await store.complete(record, fingerprint, response, now=self._clock())

    def _key(self, scope: Scope) -> str | None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith(self._prefix):
            return None
        path = scope["path"][len(self._prefix) :]
        if not any(route.match(path) for route in CREATING_ROUTES):
            return None
        for name, value in scope["headers"]:
            if name == HEADER and value.strip():
                return str(value.decode("latin-1")).strip()
        return None


class _Capture:
    """Passes the response through while keeping a copy of it."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._status: int | None = None
        self._headers: tuple[tuple[str, str], ...] = ()
        self._body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._status = int(message["status"])
            self._headers = tuple(
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in message.get("headers", [])
                if name.decode("latin-1").lower() in KEPT_HEADERS
            )
        elif message["type"] == "http.response.body" and len(self._body) <= MAX_STORED_BODY:
            self._body += message.get("body", b"")
        await self._send(message)

    def response(self) -> StoredResponse | None:
        return None if self._status is None else StoredResponse(self._status, self._headers, bytes(self._body))


def _fingerprint(scope: Scope, body: bytes) -> str:
    """Method, path and body; a multipart body without its (random per request) boundary."""
    content_type = next((v for n, v in scope["headers"] if n == b"content-type"), b"")
    match = re.search(rb"boundary=\"?([^\";]+)", content_type)
    if match:
        body = body.replace(match.group(1), b"")
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return bytes(body)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the request has no more body: wait for disconnect forever
        raise AssertionError("unreachable")

    return receive


async def _replay(send: Send, response: StoredResponse) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers]
    headers += [(b"content-length", str(len(response.body)).encode()), (b"idempotent-replayed", b"true")]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _json(send: Send, status: int, payload: object, *, retry: bool = False) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
