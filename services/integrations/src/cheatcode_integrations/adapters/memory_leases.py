"""Leases inside one process (a single replica, unit tests); :mod:`kv_leases` shares them across replicas."""

from __future__ import annotations

import time

from cheatcode_integrations.ports.locks import Leases


class MemoryLeases(Leases):
    def __init__(self, ttl: float = 60.0) -> None:
        self._ttl = ttl
        self._held: dict[str, tuple[str, float]] = {}

    def _holder(self, name: str) -> str | None:
        held = self._held.get(name)
        if held is None or held[1] < time.monotonic():
            return None
        return held[0]

    async def acquire(self, name: str, holder: str) -> bool:
        current = self._holder(name)
        if current not in (None, holder):
            return False
        self._held[name] = (holder, time.monotonic() + self._ttl)
        return True

    async def renew(self, name: str, holder: str) -> bool:
        if self._holder(name) != holder:
            return False
        self._held[name] = (holder, time.monotonic() + self._ttl)
        return True

    async def release(self, name: str, holder: str) -> None:
        if self._holder(name) == holder:
            del self._held[name]
