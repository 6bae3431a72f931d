"""Sliding-window counting in one process (tests only: replicas would each count alone)."""

from __future__ import annotations

from cheatcode_api.ports.rate_limits import Decision, RateLimiter


class InMemoryRateLimiter(RateLimiter):
    def __init__(self) -> None:
        self._stamps: dict[str, list[float]] = {}

    async def hit(self, key: str, *, limit: int, window: float, now: float) -> Decision:
        recent = [stamp for stamp in self._stamps.get(key, []) if stamp > now - window]
        if len(recent) >= limit:
            self._stamps[key] = recent
            return Decision(False, retry_after=recent[0] + window - now)
        self._stamps[key] = [*recent, now]
        return Decision(True)
