from __future__ import annotations

import pytest

from cheatcode_agent.adapters.memory_run_output import InMemoryRunOutput
from cheatcode_agent.ports.run_output import RunOutput
from tests.support.run_output_conformance import RunOutputConformance


class TestInMemoryRunOutput(RunOutputConformance):
    @pytest.fixture
    def run_output(self) -> RunOutput:
        return InMemoryRunOutput()
