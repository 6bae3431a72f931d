"""In-memory event store with the same semantics as JetStream, for unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from cheatcode_contracts import Event
from cheatcode_runtime.eventstore.port import (
    AggregateHistory,
    AppendResult,
    ConcurrencyError,
    EventStore,
    StoredEvent,
    idempotency_keys,
)


class InMemoryEventStore(EventStore):
    def __init__(self) -> None:
        self._log: list[StoredEvent] = []
        self._seen_keys: dict[str, int] = {}
        self._lock = asyncio.Lock()
        self._appended = asyncio.Condition()

    async def append(
        self,
        subject: str,
        events: Sequence[Event],
        *,
        expected_position: int | None,
        idempotency_key: str,
    ) -> AppendResult:
        async with self._lock:
            keys = idempotency_keys(idempotency_key, len(events))
            if keys and keys[-1] in self._seen_keys:
                return AppendResult(position=self._seen_keys[keys[-1]], duplicate=True)
            try:
                return self._store(subject, events, keys, expected_position)
            finally:
                async with self._appended:
                    self._appended.notify_all()

    def _store(self, subject: str, events: Sequence[Event], keys: list[str], expected: int | None) -> AppendResult:
        for key, event in zip(keys, events, strict=True):
            if key in self._seen_keys:
                continue
            if expected is not None and self._last_position(subject) != expected:
                raise ConcurrencyError(subject, expected)
            stored = StoredEvent(subject=subject, position=len(self._log) + 1, event=event)
            self._log.append(stored)
            self._seen_keys[key] = stored.position
            expected = stored.position if expected is not None else None
        return AppendResult(position=self._log[-1].position, duplicate=False)

    async def load(self, subject: str) -> AggregateHistory:
        return AggregateHistory(subject, tuple(e for e in self._log if e.subject == subject))

    async def follow(self, subject: str, *, after: int) -> AsyncIterator[StoredEvent]:
        seen = after
        while True:
            async with self._appended:
                await self._appended.wait_for(lambda seen=seen: self._last_position(subject) > seen)  # type: ignore[misc]
            for stored in [e for e in self._log if e.subject == subject and e.position > seen]:
                seen = stored.position
                yield stored

    def _last_position(self, subject: str) -> int:
        for stored in reversed(self._log):
            if stored.subject == subject:
                return stored.position
        return 0

    @property
    def log(self) -> tuple[StoredEvent, ...]:
        return tuple(self._log)
