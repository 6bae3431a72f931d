"""The NATS KV rate limiter and idempotency store against a real nats-server."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from cheatcode_api.adapters.nats.kv_idempotency import KvIdempotencyStore
from cheatcode_api.adapters.nats.kv_rate_limiter import KvRateLimiter
from tests.support.idempotency_store_conformance import IdempotencyStoreConformance
from tests.support.rate_limiter_conformance import RateLimiterConformance

pytestmark = pytest.mark.integration


class TestKvRateLimiter(RateLimiterConformance):
    @pytest.fixture
    async def rate_limiter(self, nats_client: Client) -> KvRateLimiter:
        return await KvRateLimiter.open(nats_client.jetstream())


class TestKvIdempotencyStore(IdempotencyStoreConformance):
    @pytest.fixture
    async def idempotency_store(self, nats_client: Client) -> KvIdempotencyStore:
        return await KvIdempotencyStore.open(nats_client.jetstream(), lease=60.0)


async def test_two_limiters_on_one_bucket_share_the_count(nats_client: Client) -> None:
    """Two API replicas each open the bucket: together they allow the limit once, not twice."""
    first = await KvRateLimiter.open(nats_client.jetstream())
    second = await KvRateLimiter.open(nats_client.jetstream())
    decisions = [
        await (first if i % 2 else second).hit("projects.shared", limit=10, window=60, now=10) for i in range(11)
    ]
    assert [d.allowed for d in decisions] == [True] * 10 + [False]
