"""Audit and replay: the event log as operators query it.

``AuditLog`` is the indexed read model of every event (who, what, when, for which user);
``LogReader`` reads the JetStream log itself (a run's frames, an aggregate's subject), for
answers that must come from the system of record alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_PAGE = 1000


@dataclass(frozen=True)
class EventQuery:
    kind: str | None = None
    aggregate_id: str | None = None  # with ``kind``
    type: str | None = None
    user_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int = 0  # stream sequence: page after this position
    limit: int = 100


@dataclass(frozen=True)
class AuditedEvent:
    position: int
    subject: str
    type: str
    version: int
    occurred_at: datetime
    actor: str | None
    correlation_id: str | None
    user_id: str | None
    body: dict[str, Any]


@dataclass(frozen=True)
class LogRecord:
    """One message as stored in JetStream: its sequence, time, headers and decoded body."""

    stream: str
    sequence: int
    subject: str
    time: datetime | None
    type: str | None  # the contract type (None for run output frames)
    headers: dict[str, str]
    body: dict[str, Any]


class AuditLog(ABC):
    @abstractmethod
    async def events(self, query: EventQuery) -> list[AuditedEvent]:
        """Events matching every filter given, in stream order, after ``query.after``."""


class LogReader(ABC):
    @abstractmethod
    async def events(self, subject: str) -> list[LogRecord]:
        """Every event stored on ``subject`` (an aggregate's), in order."""

    @abstractmethod
    async def frames(self, run_id: str, after: int = 0) -> list[LogRecord]:
        """The output frames of ``run_id`` with a sequence above ``after``: what SSE clients were sent."""
