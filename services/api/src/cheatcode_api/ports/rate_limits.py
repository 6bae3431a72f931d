"""Counting requests in a store every API replica shares, so N replicas allow a limit once."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until one more request would be allowed (when refused)


class RateLimiterUnavailableError(Exception):
    """The shared counter store could not be reached in time."""


class RateLimiter(ABC):
    @abstractmethod
    async def hit(self, key: str, *, limit: int, window: float, now: float) -> Decision:
        """Count one request for ``key`` at ``now`` if fewer than ``limit`` were counted in the
        ``window`` seconds before it (a sliding window); refuse it otherwise, counting nothing."""
