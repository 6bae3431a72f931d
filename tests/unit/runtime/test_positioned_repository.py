"""A positioned aggregate (``apply_at``) is told where each of its events was stored."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from cheatcode_contracts import Event, new_id
from cheatcode_runtime.eventstore import InMemoryEventStore, Repository


class Noted(Event):
    type_name: ClassVar[str] = "test.noted"
    aggregate_kind: ClassVar[str] = "note"
    aggregate_field: ClassVar[str] = "note_id"

    note_id: str


@dataclass(frozen=True)
class Notes:
    note_id: str
    positions: tuple[int, ...] = ()

    def apply(self, event: Event) -> Notes:
        return self.apply_at(event, 0)

    def apply_at(self, event: Event, position: int) -> Notes:
        return replace(self, positions=(*self.positions, position)) if isinstance(event, Noted) else self


async def test_load_and_append_pass_the_positions() -> None:
    store = InMemoryEventStore()
    notes = Repository(store, "note", Notes)
    await store.append("cc.evt.note.other", [Noted(note_id="other")], expected_position=None, idempotency_key="o")
    loaded = await notes.create("n", [Noted(note_id="n")], key=new_id())
    assert loaded.state.positions == (2,)
    loaded = await notes.append("n", loaded, [Noted(note_id="n")], key=new_id())
    assert loaded.state.positions == (2, 3)
    assert (await notes.load("n")).state.positions == (2, 3)
