"""Who and what the work in progress is about: user, run, actor and correlation id.

Set where the work starts (an HTTP request, a command handler, a run) and read by the JSON
log formatter and by whatever sends messages on: the command client and the event store
copy ``actor`` and ``correlation_id`` (and the trace context) into the headers of every
command and event, so one request can be followed across services in the log.
contextvars follow the work into the tasks it starts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from cheatcode_contracts.envelope import ACTOR_HEADER, CORRELATION_HEADER
from cheatcode_runtime.observability.tracing import inject

user_id: ContextVar[str | None] = ContextVar("cheatcode_user_id", default=None)
run_id: ContextVar[str | None] = ContextVar("cheatcode_run_id", default=None)
actor: ContextVar[str | None] = ContextVar("cheatcode_actor", default=None)
correlation_id: ContextVar[str | None] = ContextVar("cheatcode_correlation_id", default=None)


@contextmanager
def bound(
    *, user: str | None = None, run: str | None = None, acting: str | None = None, correlation: str | None = None
) -> Iterator[None]:
    """Within the block these values hold (``None`` keeps the outer value)."""
    tokens = []
    for var, value in ((user_id, user), (run_id, run), (actor, acting), (correlation_id, correlation)):
        if value is not None:
            tokens.append((var, var.set(value)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def outgoing_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """``headers`` plus the actor, correlation id and trace context of the work in progress."""
    headers = dict(headers or {})
    acting, correlation = actor.get(), correlation_id.get()
    if acting is not None:
        headers.setdefault(ACTOR_HEADER, acting)
    if correlation is not None:
        headers.setdefault(CORRELATION_HEADER, correlation)
    inject(headers)
    return headers


@contextmanager
def from_headers(headers: Mapping[str, str] | None, *, default_actor: str | None = None) -> Iterator[None]:
    """Continue the actor and correlation id an incoming message carries."""
    headers = headers or {}
    acting = headers.get(ACTOR_HEADER) or default_actor
    with bound(acting=acting, correlation=headers.get(CORRELATION_HEADER)):
        yield
