"""``python -m cheatcode_api`` exits within 10 s of SIGTERM, even with an SSE stream open.

uvicorn gives open requests ``CHEATCODE_SHUTDOWN_GRACE`` seconds, then the lifespan closes the
container within ``CHEATCODE_SHUTDOWN_TIMEOUT`` seconds in all; the 10 s is the bound a process
supervisor (Kubernetes' grace period, ``cheatcode up``) relies on, so it is asserted here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from nats.aio.client import Client

from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.runs import RunRequested
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import ThreadCreated
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore
from tests.integration.api.gateway.conftest import KEY, jwks  # noqa: F401
from tests.support.clerk_double import ISSUER, PARTY, JwksDouble

pytestmark = pytest.mark.integration

USER = "sigterm-user"


async def record(nats_client: Client, *events: Event) -> None:
    store = JetStreamEventStore(nats_client.jetstream(), build_registry())
    for event in events:
        subject = aggregate_subject(event.aggregate_kind, event.aggregate_id)
        await store.append(subject, [event], expected_position=None, idempotency_key=str(uuid.uuid4()))


def start_api(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "cheatcode_api"], env=env, stdout=log, stderr=log)


async def test_the_api_exits_within_10_s_of_sigterm_with_an_sse_stream_open(
    tmp_path: Path,
    nats_server: NatsServer,
    nats_client: Client,  # provisions the streams, as `cheatcode provision` does
    fresh_database_url: str,
    jwks: JwksDouble,  # noqa: F811
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CHEATCODE_NATS_URL": nats_server.url,
        "CHEATCODE_DATABASE_URL": fresh_database_url,
        "CHEATCODE_API_PORT": str(port),
        "CHEATCODE_JWKS_URL": jwks.url,
        "CHEATCODE_JWT_ISSUER": ISSUER,
        "CHEATCODE_JWT_AUTHORIZED_PARTIES": PARTY,
        "CHEATCODE_INSTANCE_ID": "api-sigterm",
    }
    child = start_api(env, tmp_path / "api.log")
    try:
        project_id, thread_id, run_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        await record(
            nats_client,
            ProjectCreated(project_id=project_id, user_id=USER, name="p"),
            ThreadCreated(thread_id=thread_id, project_id=project_id, user_id=USER),
            RunRequested(run_id=run_id, thread_id=thread_id, project_id=project_id, user_id=USER, model_name="m"),
        )
        headers = {"Authorization": f"Bearer {KEY.mint(USER)}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:  # a process we do not control: poll until it serves the run
                assert child.poll() is None, (tmp_path / "api.log").read_text()[-3000:]
                try:
                    if (await http.get(f"/api/agent-run/{run_id}", headers=headers)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the API never served the run"
                await asyncio.sleep(0.1)

            async with http.stream("GET", f"/api/agent-run/{run_id}/stream", headers=headers) as stream:
                assert stream.status_code == 200
                child.send_signal(signal.SIGTERM)
                signalled = time.monotonic()
                code = await asyncio.to_thread(child.wait, 15)
                took = time.monotonic() - signalled
        assert took < 10, f"exit took {took:.1f} s"
        assert code in (0, -signal.SIGTERM), (tmp_path / "api.log").read_text()[-3000:]  # uvicorn may re-raise it
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
