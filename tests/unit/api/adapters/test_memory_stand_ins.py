"""The in-memory stand-ins pass the same conformance suites as the NATS KV adapters."""

from __future__ import annotations

import pytest

from cheatcode_api.adapters.memory.idempotency import InMemoryIdempotencyStore
from cheatcode_api.adapters.memory.rate_limiter import InMemoryRateLimiter
from tests.support.idempotency_store_conformance import IdempotencyStoreConformance
from tests.support.rate_limiter_conformance import RateLimiterConformance


class TestInMemoryRateLimiter(RateLimiterConformance):
    @pytest.fixture
    def rate_limiter(self) -> InMemoryRateLimiter:
        return InMemoryRateLimiter()


class TestInMemoryIdempotencyStore(IdempotencyStoreConformance):
    @pytest.fixture
    def idempotency_store(self) -> InMemoryIdempotencyStore:
        return InMemoryIdempotencyStore(lease=60.0)
