"""Each service as a real process: boots with its own NATS user, answers ping, exits 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.errors import NoRespondersError

from cheatcode_contracts.health import Pong
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra import nats_auth
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import ensure_streams
from tests.support.requests import request_when_ready
from tests.support.secured_nats import connect_as, secured_nats_server

pytestmark = pytest.mark.integration

SERVICES = ("agent", "billing", "integrations")


@pytest.fixture(scope="module")
def secured_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NatsServer, dict[str, str]]]:
    """A nats-server with the stack's own users and permissions (``cheatcode_infra.nats_auth``)."""
    yield from secured_nats_server(tmp_path_factory.mktemp("secured-nats"))


@pytest.fixture(scope="module")
async def caller(secured_nats: tuple[NatsServer, dict[str, str]]) -> AsyncIterator[Client]:
    """Pings as the API does; the streams are made first, by the provisioner, as the stack does."""
    server, passwords = secured_nats
    provisioner = await connect_as(server, passwords, nats_auth.PROVISIONER)
    await ensure_streams(provisioner.jetstream(), ALL_STREAMS)
    await provisioner.close()
    client = await connect_as(server, passwords, "api")
    yield client
    await client.close()


def service_env(server: NatsServer, service: str, password: str) -> dict[str, str]:
    return {
        **os.environ,
        "CHEATCODE_NATS_URL": server.url,
        "CHEATCODE_NATS_USER": service,
        "CHEATCODE_NATS_PASSWORD": password,
        "CHEATCODE_INSTANCE_ID": f"{service}-proc",
    }


async def start(service: str, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"cheatcode_{service}", env=env, stdout=output, stderr=output
        )


@pytest.mark.parametrize("service", SERVICES)
async def test_service_answers_ping_and_stops_cleanly(
    service: str, secured_nats: tuple[NatsServer, dict[str, str]], caller: Client, tmp_path: Path
) -> None:
    server, passwords = secured_nats
    log = tmp_path / f"{service}.log"
    process = await start(service, service_env(server, service, passwords[service]), log)
    try:
        data = await request_when_ready(caller, ping_subject(service), b"", wait=30)
        pong = Pong.model_validate_json(data)
        assert (pong.service, pong.instance_id) == (service, f"{service}-proc")
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    assert code == 0, log.read_text()
    with pytest.raises(NoRespondersError):
        await caller.request(ping_subject(service), b"", timeout=1)


async def test_a_service_with_a_wrong_password_never_answers(
    secured_nats: tuple[NatsServer, dict[str, str]], caller: Client, tmp_path: Path
) -> None:
    server, _ = secured_nats
    process = await start("billing", service_env(server, "billing", "wrong"), tmp_path / "billing.log")
    try:
        exited = await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        exited = None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert exited != 0
    with pytest.raises(NoRespondersError):
        await caller.request(ping_subject("billing"), b"", timeout=1)
