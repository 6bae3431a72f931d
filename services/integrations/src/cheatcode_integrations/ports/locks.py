"""Leases shared by every replica: "one deployment at a time per user"."""

from __future__ import annotations

from abc import ABC, abstractmethod


class Leases(ABC):
    """A named lease held by one holder; it lapses ``ttl`` seconds after the last ``renew``."""

    @abstractmethod
    async def acquire(self, name: str, holder: str) -> bool:
        """True when ``holder`` now holds ``name`` (also when it already did)."""

    @abstractmethod
    async def renew(self, name: str, holder: str) -> bool:
        """Extend the lease; False when ``holder`` no longer holds it."""

    @abstractmethod
    async def release(self, name: str, holder: str) -> None: ...
