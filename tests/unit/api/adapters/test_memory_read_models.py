"""The in-memory read models against the ReadModels conformance suite."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cheatcode_api.adapters.memory.read_models import InMemoryReadModels
from cheatcode_api.ports.read_models import ReadModels, ReadModelUnavailableError
from cheatcode_contracts import Event
from cheatcode_runtime.eventstore import StoredEvent
from tests.support.read_models_conformance import ReadModelsAfter, ReadModelsConformance


@pytest.fixture
def read_models_after() -> ReadModelsAfter:
    async def given(events: Sequence[Event]) -> ReadModels:
        reads = InMemoryReadModels()
        reads.apply_all(StoredEvent(f"cc.evt.x.{i}", i, event) for i, event in enumerate(events, start=1))
        return reads

    return given


class TestInMemoryReadModels(ReadModelsConformance):
    pass


async def test_marked_down_every_read_raises_the_outage_error() -> None:
    reads = InMemoryReadModels()
    reads.down = True
    with pytest.raises(ReadModelUnavailableError):
        await reads.list_projects("u", limit=1, offset=0)
