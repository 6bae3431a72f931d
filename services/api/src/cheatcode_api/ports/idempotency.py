"""Remembering the first response to a request sent with an ``Idempotency-Key``.

Records are scoped to the authenticated user and kept 24 h. A ``fingerprint`` names the
request (method, path, body): the same key with another fingerprint is a client mistake.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ClaimOutcome(StrEnum):
    NEW = "new"  # nobody used the key: the caller runs the request, then completes or releases
    REPLAY = "replay"  # finished before: answer with ``response``
    MISMATCH = "mismatch"  # used before for another request
    IN_PROGRESS = "in_progress"  # another request with this key is running now


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    response: StoredResponse | None = None


class IdempotencyUnavailableError(Exception):
    """The shared record store could not be reached."""


class IdempotencyStore(ABC):
    @abstractmethod
    async def claim(self, scope: str, fingerprint: str, *, now: float) -> Claim:
        """Take the key for this request, or say why not. A claim left pending for longer
        than the store's lease (its holder died) may be taken over."""

    @abstractmethod
    async def complete(self, scope: str, fingerprint: str, response: StoredResponse, *, now: float) -> None:
        """Record the response of a claimed request; later claims replay it."""

    @abstractmethod
    async def release(self, scope: str) -> None:
        """Give the key back unanswered (the request failed on our side: a retry may run)."""
