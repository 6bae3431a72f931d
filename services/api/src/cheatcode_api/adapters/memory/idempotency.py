"""Idempotency records in one process (tests only)."""

from __future__ import annotations

from dataclasses import dataclass

from cheatcode_api.ports.idempotency import Claim, ClaimOutcome, IdempotencyStore, StoredResponse


@dataclass
class _Record:
    fingerprint: str
    since: float
    response: StoredResponse | None = None


class InMemoryIdempotencyStore(IdempotencyStore):
    def __init__(self, *, lease: float = 60.0, ttl: float = 24 * 3600.0) -> None:
        self._records: dict[str, _Record] = {}
        self._lease = lease
        self._ttl = ttl

    async def claim(self, scope: str, fingerprint: str, *, now: float) -> Claim:
        record = self._records.get(scope)
        if record is None or now - record.since > self._ttl:
            self._records[scope] = _Record(fingerprint, now)
            return Claim(ClaimOutcome.NEW)
        if record.fingerprint != fingerprint:
            return Claim(ClaimOutcome.MISMATCH)
        if record.response is not None:
            return Claim(ClaimOutcome.REPLAY, record.response)
        if now - record.since > self._lease:
            record.since = now
            return Claim(ClaimOutcome.NEW)
        return Claim(ClaimOutcome.IN_PROGRESS)

    async def complete(self, scope: str, fingerprint: str, response: StoredResponse, *, now: float) -> None:
        self._records[scope] = _Record(fingerprint, now, response)

    async def release(self, scope: str) -> None:
        self._records.pop(scope, None)
