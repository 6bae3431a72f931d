"""The event store port: append with optimistic concurrency and idempotency, load by replay."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field

from cheatcode_contracts import Event


class ConcurrencyError(Exception):
    """Another writer appended to the aggregate after the caller loaded it."""

    def __init__(self, subject: str, expected: int) -> None:
        super().__init__(f"{subject}: expected last sequence {expected} is stale")
        self.subject = subject
        self.expected = expected


class EventStoreUnavailableError(Exception):
    """The store did not answer in time (NATS down or reconnecting past the deadline, no
    JetStream responders): nothing is known to be stored; retrying later is safe."""


@dataclass(frozen=True)
class StoredEvent:
    subject: str
    position: int  # stream sequence: global, strictly increasing
    event: Event
    # The message's envelope headers (type, version, actor, correlation id, traceparent...),
    # for readers that audit rather than fold; empty where the store does not keep them.
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The body as it was appended (the bytes ``event`` was decoded from), for the same
    # readers; empty where the store does not keep it.
    payload: bytes = field(default=b"", compare=False)


@dataclass(frozen=True)
class AppendResult:
    position: int  # stream sequence of the last event appended (or of its earlier copy)
    duplicate: bool  # True when the idempotency key had been seen: nothing new was stored


@dataclass(frozen=True)
class AggregateHistory:
    subject: str
    events: tuple[StoredEvent, ...]

    @property
    def position(self) -> int:
        """Expected-last-sequence to pass to the next append (0 = empty)."""
        return self.events[-1].position if self.events else 0


class EventStore(ABC):
    """One subject per aggregate; ``position`` values are stream sequences."""

    @abstractmethod
    async def append(
        self,
        subject: str,
        events: Sequence[Event],
        *,
        expected_position: int | None,
        idempotency_key: str,
    ) -> AppendResult:
        """Append ``events`` to ``subject``.

        ``expected_position`` is the position of the subject's last event as the caller
        saw it (0 = the subject must be empty; None = no check). A stale value raises
        :class:`ConcurrencyError`. An ``idempotency_key`` seen before stores nothing and
        returns ``duplicate=True``; several events get ``key``, ``key:1``, ``key:2``...
        """

    @abstractmethod
    async def load(self, subject: str) -> AggregateHistory:
        """Every event stored on ``subject``, in order."""

    @abstractmethod
    def follow(self, subject: str, *, after: int) -> AsyncIterator[StoredEvent]:
        """The events stored on ``subject`` after position ``after``, as they are stored.

        Only stored events: an append refused by the concurrency check is never seen. Runs
        until the caller stops iterating (``aclose``); outlives a NATS reconnect.
        """


def idempotency_keys(key: str, count: int) -> list[str]:
    return [key if index == 0 else f"{key}:{index}" for index in range(count)]
