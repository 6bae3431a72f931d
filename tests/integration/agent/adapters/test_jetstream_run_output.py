from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_agent.adapters.jetstream_run_output import JetStreamRunOutput
from cheatcode_agent.ports.run_output import RunOutput, RunOutputUnavailableError
from cheatcode_contracts.frames import content_frame
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams
from tests.support.run_output_conformance import RunOutputConformance


class TestJetStreamRunOutput(RunOutputConformance):
    @pytest.fixture
    def run_output(self, nats_client: Client) -> RunOutput:
        return JetStreamRunOutput(nats_client.jetstream())


@pytest.fixture
async def doomed(tmp_path: Path) -> AsyncIterator[tuple[NatsServer, Client]]:
    server = NatsServer(store_dir=tmp_path / "nats")
    server.start()
    client = await connect(NatsSettings(url=server.url), name="output-outage")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield server, client
    with contextlib.suppress(Exception):
        await client.close()
    server.stop()


async def test_nats_away_past_the_deadline_is_unavailable(doomed: tuple[NatsServer, Client]) -> None:
    server, client = doomed
    output = JetStreamRunOutput(client.jetstream(), timeout=0.5, retry_deadline=1.5)
    server.stop()
    began = time.monotonic()
    with pytest.raises(RunOutputUnavailableError, match=r"did not answer for 1\.5 s"):
        await output.publish("r1", content_frame(1, "lost"))
    assert 1.0 <= time.monotonic() - began < 5.0
