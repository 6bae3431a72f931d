"""One conformance suite for the API's RateLimiter port; each adapter's test module subclasses it.

Subclasses provide a ``rate_limiter`` fixture returning a fresh limiter.
"""

from __future__ import annotations

import asyncio
import uuid

from cheatcode_api.ports.rate_limits import RateLimiter


def _key() -> str:
    return f"rule.{uuid.uuid4().hex[:16]}"


class RateLimiterConformance:
    async def test_allows_up_to_the_limit_then_refuses_until_the_oldest_leaves_the_window(
        self, rate_limiter: RateLimiter
    ) -> None:
        key = _key()
        allowed = [(await rate_limiter.hit(key, limit=3, window=60, now=1000 + i)).allowed for i in range(4)]
        assert allowed == [True, True, True, False]
        refused = await rate_limiter.hit(key, limit=3, window=60, now=1010)
        assert not refused.allowed
        assert refused.retry_after == 50  # the first hit (t=1000) leaves the window at t=1060
        assert (await rate_limiter.hit(key, limit=3, window=60, now=1060.5)).allowed

    async def test_a_refused_request_is_not_counted(self, rate_limiter: RateLimiter) -> None:
        key = _key()
        for i in range(2):
            await rate_limiter.hit(key, limit=2, window=60, now=100 + i)
        for _ in range(5):
            assert not (await rate_limiter.hit(key, limit=2, window=60, now=130)).allowed
        assert (await rate_limiter.hit(key, limit=2, window=60, now=160.5)).allowed

    async def test_keys_are_counted_apart(self, rate_limiter: RateLimiter) -> None:
        first, second = _key(), _key()
        assert (await rate_limiter.hit(first, limit=1, window=60, now=0)).allowed
        assert not (await rate_limiter.hit(first, limit=1, window=60, now=1)).allowed
        assert (await rate_limiter.hit(second, limit=1, window=60, now=1)).allowed

    async def test_concurrent_hits_never_exceed_the_limit(self, rate_limiter: RateLimiter) -> None:
        key = _key()
        decisions = await asyncio.gather(*(rate_limiter.hit(key, limit=10, window=60, now=500) for _ in range(25)))
        assert sum(decision.allowed for decision in decisions) == 10
