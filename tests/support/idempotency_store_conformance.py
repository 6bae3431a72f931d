"""One conformance suite for the API's IdempotencyStore port; each adapter's test module subclasses it.

Subclasses provide an ``idempotency_store`` fixture returning a fresh store whose lease is 60 s.
"""

from __future__ import annotations

import asyncio
import uuid

from cheatcode_api.ports.idempotency import ClaimOutcome, IdempotencyStore, StoredResponse

RESPONSE = StoredResponse(201, (("content-type", "application/json"),), b'{"id": "p1"}')


def _scope() -> str:
    return uuid.uuid4().hex


class IdempotencyStoreConformance:
    async def test_a_new_key_is_claimed_then_replays_its_response(self, idempotency_store: IdempotencyStore) -> None:
        scope = _scope()
        assert (await idempotency_store.claim(scope, "f1", now=0)).outcome is ClaimOutcome.NEW
        await idempotency_store.complete(scope, "f1", RESPONSE, now=1)
        again = await idempotency_store.claim(scope, "f1", now=2)
        assert again.outcome is ClaimOutcome.REPLAY
        assert again.response == RESPONSE

    async def test_the_same_key_for_another_request_is_a_mismatch(self, idempotency_store: IdempotencyStore) -> None:
        scope = _scope()
        await idempotency_store.claim(scope, "f1", now=0)
        assert (await idempotency_store.claim(scope, "f2", now=1)).outcome is ClaimOutcome.MISMATCH
        await idempotency_store.complete(scope, "f1", RESPONSE, now=1)
        assert (await idempotency_store.claim(scope, "f2", now=2)).outcome is ClaimOutcome.MISMATCH

    async def test_a_pending_claim_is_in_progress_until_its_lease_runs_out(
        self, idempotency_store: IdempotencyStore
    ) -> None:
        scope = _scope()
        await idempotency_store.claim(scope, "f1", now=0)
        assert (await idempotency_store.claim(scope, "f1", now=30)).outcome is ClaimOutcome.IN_PROGRESS
        assert (await idempotency_store.claim(scope, "f1", now=61)).outcome is ClaimOutcome.NEW

    async def test_a_released_key_can_be_claimed_again(self, idempotency_store: IdempotencyStore) -> None:
        scope = _scope()
        await idempotency_store.claim(scope, "f1", now=0)
        await idempotency_store.release(scope)
        assert (await idempotency_store.claim(scope, "f1", now=1)).outcome is ClaimOutcome.NEW

    async def test_of_concurrent_claims_exactly_one_is_new(self, idempotency_store: IdempotencyStore) -> None:
        scope = _scope()
        claims = await asyncio.gather(*(idempotency_store.claim(scope, "f1", now=5) for _ in range(10)))
        assert [claim.outcome for claim in claims].count(ClaimOutcome.NEW) == 1
