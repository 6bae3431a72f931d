"""The generic repository: fold on load, optimistic append, update with conflict retry."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import pytest

from cheatcode_contracts import Event, new_id
from cheatcode_runtime.eventstore import ConcurrencyError, InMemoryEventStore, Repository, TooManyConflictsError


class Counted(Event):
    type_name: ClassVar[str] = "test.counted"
    aggregate_kind: ClassVar[str] = "counter"
    aggregate_field: ClassVar[str] = "counter_id"

    counter_id: str
    by: int


@dataclass(frozen=True)
class Counter:
    counter_id: str
    total: int = 0

    def apply(self, event: Event) -> Counter:
        return replace(self, total=self.total + event.by) if isinstance(event, Counted) else self


def repository(store: InMemoryEventStore) -> Repository[Counter]:
    return Repository(store, "counter", Counter)


async def other_writer(store: InMemoryEventStore, *, by: int) -> None:
    await store.append(
        "cc.evt.counter.c1", [Counted(counter_id="c1", by=by)], expected_position=None, idempotency_key=new_id()
    )


async def test_load_folds_the_subject_and_reports_its_position() -> None:
    store = InMemoryEventStore()
    repo = repository(store)
    empty = await repo.load("c1")
    assert (empty.state.total, empty.position) == (0, 0)
    after = await repo.append("c1", empty, [Counted(counter_id="c1", by=2), Counted(counter_id="c1", by=3)], key="k")
    loaded = await repo.load("c1")
    assert loaded == after
    assert (loaded.state.total, loaded.position) == (5, 2)


async def test_append_at_a_stale_position_raises_and_the_same_key_stores_nothing_twice() -> None:
    store = InMemoryEventStore()
    repo = repository(store)
    empty = await repo.load("c1")
    await repo.append("c1", empty, [Counted(counter_id="c1", by=1)], key="a")
    with pytest.raises(ConcurrencyError):
        await repo.append("c1", empty, [Counted(counter_id="c1", by=1)], key="b")
    again = await repo.append("c1", empty, [Counted(counter_id="c1", by=1)], key="a")
    assert again.position == 1
    assert len(store.log) == 1


async def test_update_decides_again_on_a_fresh_state_after_a_conflict() -> None:
    store = InMemoryEventStore()
    repo = repository(store)
    seen: list[int] = []

    async def decide(state: Counter) -> list[Event]:
        seen.append(state.total)
        if len(seen) == 1:  # another writer gets in between this load and the append
            await other_writer(store, by=10)
        return [Counted(counter_id="c1", by=1)]

    await repo.create("c1", [Counted(counter_id="c1", by=1)], key="first")
    result = await repo.update("c1", decide, key="second")
    assert seen == [1, 11]
    assert result.state.total == 12


async def test_update_gives_up_after_its_retries() -> None:
    store = InMemoryEventStore()
    repo = repository(store)

    async def always_conflicting(state: Counter) -> list[Event]:
        await other_writer(store, by=1)
        return [Counted(counter_id="c1", by=1)]

    await repo.create("c1", [Counted(counter_id="c1", by=1)], key="first")
    with pytest.raises(TooManyConflictsError):
        await repo.update("c1", always_conflicting, key="k", retries=2)


async def test_create_refuses_a_subject_that_has_events() -> None:
    repo = repository(InMemoryEventStore())
    await repo.create("c1", [Counted(counter_id="c1", by=1)], key="a")
    with pytest.raises(ConcurrencyError):
        await repo.create("c1", [Counted(counter_id="c1", by=1)], key="b")


async def test_update_with_no_events_writes_nothing() -> None:
    store = InMemoryEventStore()
    repo = repository(store)
    result = await repo.update("c1", lambda state: [], key="k")
    assert result.position == 0
    assert store.log == ()


async def test_load_at_a_sequence_folds_only_the_events_up_to_it() -> None:
    store = InMemoryEventStore()
    repo = repository(store)
    first = await repo.create("c1", [Counted(counter_id="c1", by=1)], key="a")
    await other_writer(store, by=100)  # a later event on the same subject
    await repo.update("c1", lambda state: [Counted(counter_id="c1", by=10)], key="b")
    before = await repo.load("c1", at=first.position)
    assert (before.state.total, before.position) == (1, first.position)
    assert (await repo.load("c1")).state.total == 111
