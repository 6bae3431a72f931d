"""Accounts kept loaded between charges, so metering does not replay an account per LLM call.

The cache is only an optimisation: every append still carries the position it decided from
(``Nats-Expected-Last-Subject-Sequence``), so a stale entry — another replica charged the
same account meanwhile — fails with ``ConcurrencyError``, is dropped, and the decision is
taken again on a fresh load. The idempotency key includes that position: the same decision
from the same state retried after a lost ack is stored once, and the store then answers
``duplicate``, which also drops the entry (the stored copy may differ in its timestamps).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cheatcode_billing.domain.account import Account
from cheatcode_contracts import Event
from cheatcode_runtime.eventstore import ConcurrencyError, EventStore, Loaded, Repository

DEFAULT_CAPACITY = 10_000
DEFAULT_ATTEMPTS = 8
LOCK_STRIPES = 64

Decide = Callable[[Account], Sequence[Event]]


@dataclass(frozen=True)
class Written:
    """The account after an update, and the events this update appended (none: nothing to do)."""

    loaded: Loaded[Account]
    events: tuple[Event, ...] = ()

    @property
    def position(self) -> int:
        return self.loaded.position


class AccountLedger:
    def __init__(
        self,
        accounts: Repository[Account],
        store: Callable[[], EventStore],
        *,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._accounts = accounts
        self._store = store
        self._capacity = capacity
        self._cache: OrderedDict[str, Loaded[Account]] = OrderedDict()
        # One writer per account in this process: concurrent deliveries for one user would only
        # conflict with each other; across replicas the expected-position check still decides.
        self._locks = tuple(asyncio.Lock() for _ in range(LOCK_STRIPES))

    async def load(self, user_id: str) -> Loaded[Account]:
        cached = self._cache.get(user_id)
        if cached is not None:
            self._cache.move_to_end(user_id)
            return cached
        loaded = await self._accounts.load(user_id)
        self._remember(user_id, loaded)
        return loaded

    def forget(self, user_id: str) -> None:
        self._cache.pop(user_id, None)

    async def update(self, user_id: str, decide: Decide, *, key: str, attempts: int = DEFAULT_ATTEMPTS) -> Written:
        """Decide on the cached (or loaded) account and append; on a conflict reload and decide again."""
        async with self._locks[hash(user_id) % LOCK_STRIPES]:
            for _ in range(attempts):
                loaded = await self.load(user_id)
                events = tuple(decide(loaded.state))
                if not events:
                    return Written(loaded)
                try:
                    result = await self._store().append(
                        self._accounts.subject(user_id),
                        events,
                        expected_position=loaded.position,
                        idempotency_key=f"{key}@{loaded.position}",
                    )
                except ConcurrencyError:
                    self.forget(user_id)
                    continue
                if result.duplicate:
                    self.forget(user_id)
                    return Written(await self.load(user_id))
                after = loaded.then(events, result.position)
                self._remember(user_id, after)
                return Written(after, events)
            self.forget(user_id)
            raise ConcurrencyError(self._accounts.subject(user_id), -1)

    def _remember(self, user_id: str, loaded: Loaded[Account]) -> None:
        self._cache[user_id] = loaded
        self._cache.move_to_end(user_id)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
