"""The in-memory command bus against the CommandBus conformance suite."""

from __future__ import annotations

import pytest

from cheatcode_api.adapters.memory.command_bus import InMemoryCommandBus
from cheatcode_api.ports.commands import CommandBus
from cheatcode_contracts.projects import CreateProject
from tests.support.command_bus_conformance import BusWith, CommandBusConformance, Responder


@pytest.fixture
def bus_with() -> BusWith:
    async def build(responder: Responder | None) -> CommandBus:
        return InMemoryCommandBus({CreateProject: responder} if responder else {})

    return build


class TestInMemoryCommandBus(CommandBusConformance):
    pass
