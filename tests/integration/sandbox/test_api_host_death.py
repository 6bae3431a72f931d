"""Through the API: a blocking execute whose sandbox service is SIGKILLed mid-command answers 503
within seconds (the replica's heartbeats stop), not after its 60 s timeout plus slack."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client

from cheatcode_infra.nats_server import NatsServer
from cheatcode_sandbox.domain.paths import sandbox_uid
from tests.integration.api.gateway.conftest import agent, api_settings, jwks, running_api, token
from tests.integration.sandbox.entrypoint.test_host_death import FAIL_FAST_SECONDS, end_leftovers
from tests.integration.sandbox.entrypoint.test_replicas import _wait_alive, shared_root, spawn, until_running_as
from tests.support.clerk_double import JwksDouble

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]
__all__ = ["agent", "jwks", "shared_root"]  # fixtures re-exported so that pytest finds them here

CAROL = token("sandbox_carol")


@pytest.fixture(scope="module")
async def sandbox_process(
    nats_server: NatsServer, nats_client: Client, shared_root: Path
) -> AsyncIterator[subprocess.Popen[bytes]]:
    instance = f"replica-api-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "CHEATCODE_NATS_URL": nats_server.url,
        "CHEATCODE_INSTANCE_ID": instance,
        "CHEATCODE_SANDBOX_ROOT": str(shared_root),
    }
    process = spawn(env)
    await _wait_alive(nats_client, instance)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
async def api(
    agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (client, _):
        yield client


async def test_a_blocking_execute_answers_503_soon_after_its_sandbox_service_dies(
    sandbox_process: subprocess.Popen[bytes], api: httpx.AsyncClient
) -> None:
    project = await api.post("/api/projects", json={"name": "Doomed"}, headers=CAROL)
    ensured = await api.post(f"/api/project/{project.json()['id']}/sandbox/ensure-active", headers=CAROL)
    sandbox_id = ensured.json()["sandbox_id"]
    try:
        call = asyncio.create_task(
            api.post(f"/api/sandboxes/{sandbox_id}/execute", json={"command": "sleep 60"}, headers=CAROL, timeout=120)
        )
        await until_running_as(sandbox_uid(sandbox_id))
        sandbox_process.kill()
        killed = time.monotonic()
        response = await call
        elapsed = time.monotonic() - killed
        print(f"503 {elapsed:.1f} s after the kill")
        assert response.status_code == 503, response.text
        assert elapsed < FAIL_FAST_SECONDS
    finally:
        end_leftovers(sandbox_id)
