"""In-memory adapters for unit tests and benchmarks: prices from a dict, accounts from a store's log."""

from __future__ import annotations

from cheatcode_billing.adapters.openrouter_prices import BUILT_IN, lookup
from cheatcode_billing.ports.accounts import AccountDirectory
from cheatcode_billing.ports.prices import ModelPrices, Price, PriceCacheState
from cheatcode_contracts.subjects import EVENTS_PREFIX
from cheatcode_runtime.eventstore import InMemoryEventStore

PREFIX = f"{EVENTS_PREFIX}.account."


class FixedPrices(ModelPrices):
    def __init__(self, table: dict[str, Price] | None = None) -> None:
        self._table = dict(BUILT_IN if table is None else table)
        self._warm = False

    async def price(self, model: str) -> Price | None:
        return lookup(self._table, model)

    async def state(self) -> PriceCacheState:
        return PriceCacheState(cached=self._warm, model_count=len(self._table) if self._warm else 0,
                               ttl_seconds=21600.0 if self._warm else 0.0)  # fmt: skip

    async def warm(self) -> int:
        self._warm = True
        return len(self._table)

    async def clear(self) -> bool:
        had, self._warm = self._warm, False
        return had


class LogAccountDirectory(AccountDirectory):
    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store

    async def user_ids(self) -> list[str]:
        subjects = {stored.subject for stored in self._store.log if stored.subject.startswith(PREFIX)}
        return sorted(subject[len(PREFIX) :] for subject in subjects)
