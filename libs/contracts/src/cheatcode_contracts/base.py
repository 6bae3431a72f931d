"""Base classes for every message that crosses a service boundary.

Events are facts recorded in JetStream; commands ask a service to do something and
are answered with a :class:`CommandReply`. Every contract carries a stable type name
and a schema version so that stored messages can be decoded (and upcast) years later.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid4())


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

    def reply_timeout(self, default: float) -> float:
        """Seconds a caller should wait for the reply; a command that may legitimately run
        longer than the caller's usual deadline (a blocking shell command) says so here."""
        return default


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
