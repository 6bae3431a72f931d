"""`cheatcode provision` creates every stream and KV bucket the contracts declare, idempotently."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cheatcode_contracts.streams import ALL_KEY_VALUE_BUCKETS, ALL_STREAMS
from cheatcode_infra import nats_auth
from tests.support.secured_nats import SecuredNats, connect_as, secured_nats_server


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    yield from secured_nats_server(Path(tmp_path_factory.mktemp("provision")))


def _provision(secured: SecuredNats) -> subprocess.CompletedProcess[str]:
    server, passwords = secured
    env = {
        **os.environ,
        "CHEATCODE_NATS_URL": server.url,
        "CHEATCODE_NATS_USER": nats_auth.PROVISIONER,
        "CHEATCODE_NATS_PASSWORD": passwords[nats_auth.PROVISIONER],
    }
    command = [sys.executable, "-m", "cheatcode_infra", "provision"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


async def test_streams_and_buckets_exist_after_provisioning_twice(secured: SecuredNats) -> None:
    for _ in range(2):
        result = _provision(secured)
        assert result.returncode == 0, result.stderr
    server, passwords = secured
    agent = await connect_as(server, passwords, "agent")
    try:
        js = agent.jetstream()
        for spec in ALL_STREAMS:
            assert (await js.stream_info(spec.name)).config.num_replicas == 1
        for bucket in ALL_KEY_VALUE_BUCKETS:
            status = await (await js.key_value(bucket.bucket)).status()
            assert status.bucket == bucket.bucket
    finally:
        await agent.close()
    assert "kv bucket agent_project_runs" in result.stdout
