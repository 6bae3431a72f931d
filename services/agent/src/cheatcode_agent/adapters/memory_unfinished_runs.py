"""Unfinished runs read from an in-memory event store's log (tests and local runs)."""

from __future__ import annotations

from cheatcode_agent.ports.unfinished_runs import UnfinishedRuns
from cheatcode_contracts import Event
from cheatcode_contracts.runs import RUN, TERMINAL_EVENTS
from cheatcode_runtime.eventstore import InMemoryEventStore


class MemoryUnfinishedRuns(UnfinishedRuns):
    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store

    async def run_ids(self) -> list[str]:
        newest: dict[str, Event] = {}  # run id → its newest lifecycle event
        for stored in self._store.log:
            if stored.event.aggregate_kind == RUN:
                newest[stored.event.aggregate_id] = stored.event
        return [run_id for run_id, event in newest.items() if not isinstance(event, TERMINAL_EVENTS)]
