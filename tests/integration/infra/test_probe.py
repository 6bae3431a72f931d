"""``cheatcode probe``: the exec probe of the NATS-only services, against a real nats-server."""

from __future__ import annotations

import argparse
import asyncio
import uuid

import pytest
from nats.aio.client import Client

from cheatcode_contracts.sandbox import host_ping_subject
from cheatcode_infra.commands import probe
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import answer_pings

pytestmark = pytest.mark.integration


def probe_exit_code(service: str, instance: str | None = None) -> int:
    return probe.run(argparse.Namespace(service=service, instance=instance, timeout=1.0))


@pytest.fixture(autouse=True)
def nats_env(nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHEATCODE_NATS_URL", nats_server.url)
    monkeypatch.delenv("CHEATCODE_NATS_USER", raising=False)
    monkeypatch.delenv("CHEATCODE_NATS_PASSWORD", raising=False)


async def test_a_service_that_answers_its_ping_passes(nats_client: Client) -> None:
    service = f"probe-{uuid.uuid4().hex[:8]}"  # a service name nobody else answers for
    subscription = await answer_pings(nats_client, service=service, instance_id="pod-1")
    await nats_client.flush()
    try:
        assert await asyncio.to_thread(probe_exit_code, service) == 0
    finally:
        await subscription.unsubscribe()
    assert await asyncio.to_thread(probe_exit_code, service) == 1  # nobody answers any more


async def test_a_sandbox_replica_is_probed_on_its_own_host_subject(
    nats_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    pod = f"sandbox-{uuid.uuid4().hex[:8]}"
    subscription = await answer_pings(nats_client, service="sandbox", instance_id=pod, subject=host_ping_subject(pod))
    await nats_client.flush()
    try:
        monkeypatch.setenv("CHEATCODE_INSTANCE_ID", pod)
        assert await asyncio.to_thread(probe_exit_code, "sandbox") == 0
        assert await asyncio.to_thread(probe_exit_code, "sandbox", "another-pod") == 1
    finally:
        await subscription.unsubscribe()


def test_an_unreachable_nats_fails_the_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    from cheatcode_infra.free_ports import free_port

    monkeypatch.setenv("CHEATCODE_NATS_URL", f"nats://127.0.0.1:{free_port()}")
    assert probe_exit_code("agent") == 1
