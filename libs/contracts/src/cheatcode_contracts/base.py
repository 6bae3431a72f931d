"""Base classes for every message that crosses a service boundary.

Events are facts recorded in JetStream; commands ask a service to do something and
are answered with a :class:`CommandReply`. Every contract carries a stable type name
and a schema version so that stored messages can be decoded (and upcast) years later.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, uuid4, uuid5

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(UTC)


# Set while a request is replayed under an idempotency key (see ``repeatable_ids``).
_id_seed: ContextVar[tuple[str, Iterator[int]] | None] = ContextVar("cheatcode_id_seed", default=None)


def new_id() -> str:
    """A random UUID, or the next id of the current ``repeatable_ids`` block."""
    seeded = _id_seed.get()
    if seeded is None:
        return str(uuid4())
    seed, counter = seeded
    return str(uuid5(NAMESPACE_URL, f"cheatcode:{seed}:{next(counter)}"))


@contextmanager
def repeatable_ids(seed: str) -> Iterator[None]:
    """Within the block, ``new_id()`` yields the same sequence for the same ``seed``.

    A client that retries a POST with the same ``Idempotency-Key`` after a timeout must not
    create a second project: running the same handler again under the same seed makes the
    same ids and command ids, so the event store recognises the first write (same subject,
    same ``Nats-Msg-Id``) instead of storing a second one.
    """
    token = _id_seed.set((seed, itertools.count()))
    try:
        yield
    finally:
        _id_seed.reset(token)


class Contract(BaseModel):
    """A frozen, versioned message. Subclasses set ``type_name`` and ``version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type_name: ClassVar[str] = ""
    version: ClassVar[int] = 1


class Event(Contract):
    """A domain fact. ``aggregate_id`` names the aggregate whose subject it is stored on."""

    aggregate_kind: ClassVar[str] = ""
    aggregate_field: ClassVar[str] = ""
    occurred_at: datetime = Field(default_factory=utc_now)

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate_field))


class Command(Contract):
    """A request to change state. ``command_id`` doubles as the JetStream ``Nats-Msg-Id``."""

    command_id: str = Field(default_factory=new_id)

    def owner(self) -> str | None:
        """The service that answers this command when that depends on its content (None: the
        one ``catalog.COMMAND_OWNERS`` names for its type)."""
        return None

    def reply_timeout(self, default: float) -> float:
        """Seconds a caller should wait for the reply; a command that may legitimately run
        longer than the caller's usual deadline (a blocking shell command) says so here."""
        return default

    def heartbeat_seconds(self) -> float | None:
        """How often the owner says "still working" while it handles this command (None: never).

        A command that may run long asks for heartbeats, so that a caller learns within a few
        seconds that the owner died instead of waiting out the whole ``reply_timeout``.
        """
        return None


class Query(Contract):
    """A read-only request answered over NATS request/reply."""


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class ErrorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ErrorCode
    detail: str


class CommandReply(BaseModel):
    """Answer to a command: the stream position of its last event, or an error.

    ``position`` lets the caller wait until its read model has caught up (read-your-writes).
    """

    model_config = ConfigDict(frozen=True)

    ok: bool
    position: int = 0
    result: dict[str, Any] = Field(default_factory=dict)
    error: ErrorInfo | None = None

    @classmethod
    def success(cls, position: int, **result: Any) -> CommandReply:
        return cls(ok=True, position=position, result=result)

    @classmethod
    def failure(cls, code: ErrorCode, detail: str) -> CommandReply:
        return cls(ok=False, error=ErrorInfo(code=code, detail=detail))
