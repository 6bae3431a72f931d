"""`cheatcode events` reads the whole log as its own NATS user, or fails loudly (issue 8).

The server holds back an ordered consumer's deliveries until the client answers its
flow-control requests (``$JS.FC.<stream>.…``); a user without that right used to stop
after a few thousand events with exit code 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_contracts.streams import EVENTS
from cheatcode_infra import nats_auth
from cheatcode_infra.connect_stack import ServerErrors, connect_tool
from cheatcode_runtime.nats import NatsSettings, ensure_streams
from cheatcode_runtime.nats.log_reader import IncompleteLogError, events_query, read_log
from tests.support.secured_nats import SecuredNats, connect_as, secured_nats_server

EVENT_COUNT = 6000  # well past the ~3,200 where a reader without flow-control replies stalled
BODY_PADDING = "x" * 400  # about the size of a real event


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    yield from secured_nats_server(Path(tmp_path_factory.mktemp("events-cli")))


@pytest.fixture(scope="module")
async def stored(secured: SecuredNats) -> AsyncIterator[int]:
    """``EVENT_COUNT`` events on many aggregates; yields how many events the stream holds."""
    server, passwords = secured
    provisioner = await connect_as(server, passwords, nats_auth.PROVISIONER)
    await ensure_streams(provisioner.jetstream(), [EVENTS])
    await provisioner.close()
    agent = await connect_as(server, passwords, "agent")
    js = agent.jetstream()
    acks = [
        js.publish_async(f"cc.evt.project.{uuid.uuid4().hex}", json.dumps({"n": n, "pad": BODY_PADDING}).encode())
        for n in range(EVENT_COUNT)
    ]
    await asyncio.gather(*acks)
    total = (await js.stream_info(EVENTS.name)).state.messages
    await agent.close()
    yield total


async def _reader(secured: SecuredNats, user: str, errors: ServerErrors) -> Client:
    server, passwords = secured
    settings = NatsSettings(url=server.url, user=user, password=SecretStr(passwords[user]))
    return await connect_tool(settings, name=f"test-{user}", errors=errors)


async def test_the_reader_user_reads_every_event_and_is_refused_nothing(secured: SecuredNats, stored: int) -> None:
    errors = ServerErrors()
    client = await _reader(secured, nats_auth.READER, errors)
    try:
        sequences = [m.metadata.sequence.stream async for m in read_log(client.jetstream(), events_query("cc.evt.>"))]
    finally:
        await client.close()
    assert len(sequences) == stored >= EVENT_COUNT
    assert sequences == sorted(set(sequences))
    assert errors.reported == []


async def test_a_user_without_flow_control_replies_fails_loudly(secured: SecuredNats, stored: int) -> None:
    """The provisioner administers streams but may not answer flow control: an error, not a short listing."""
    errors = ServerErrors()
    client = await _reader(secured, nats_auth.PROVISIONER, errors)
    read = 0
    try:
        with pytest.raises(IncompleteLogError, match="still pending"):
            async for _ in read_log(client.jetstream(), events_query("cc.evt.>"), idle_timeout=0.5, stall_timeout=3):
                read += 1
    finally:
        await client.close()
    assert read < stored
    assert any("permissions violation" in r.lower() and "$js.fc" in r.lower() for r in errors.reported), errors.reported


async def test_the_reader_may_not_write_or_administer(secured: SecuredNats, stored: int) -> None:
    rights = nats_auth.permissions_for(nats_auth.READER)
    forbidden = ("cc.", "$JS.API.STREAM.CREATE", "$JS.API.STREAM.PURGE", "$JS.API.STREAM.DELETE")
    assert not any(right.startswith(forbidden) for right in rights.publish)
    errors = ServerErrors()
    client = await _reader(secured, nats_auth.READER, errors)
    try:
        await client.publish("cc.evt.project.forged", b"{}")
        await client.flush()
        await asyncio.sleep(0.5)
    finally:
        await client.close()
    assert any("permissions violation" in report.lower() for report in errors.reported), errors.reported


def test_the_cli_prints_the_whole_log_and_exits_0(secured: SecuredNats, stored: int) -> None:
    server, passwords = secured
    env = {
        **os.environ,
        "CHEATCODE_NATS_URL": server.url,
        "CHEATCODE_NATS_USER": nats_auth.READER,
        "CHEATCODE_NATS_PASSWORD": passwords[nats_auth.READER],
    }
    command = [sys.executable, "-m", "cheatcode_infra", "events", "--subject", "cc.evt.>", "--limit", "100000"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == stored
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, stored + 1))
