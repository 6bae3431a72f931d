"""NATS going away: deep health turns critical, a write answers 503 saying messaging is down,
and the API recovers by itself when NATS is back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_agent.config import Settings as AgentSettings
from cheatcode_agent.entrypoint.bootstrap import build as build_agent
from cheatcode_api.entrypoint.errors import MESSAGING_DOWN
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble
from tests.support.requests import request_when_ready

pytestmark = pytest.mark.integration


async def test_nats_outage_is_critical_and_the_api_recovers(
    tmp_path: Path, fresh_database_url: str, jwks: JwksDouble
) -> None:
    server = NatsServer(store_dir=tmp_path / "nats")
    await asyncio.to_thread(server.start)
    setup: Client = await connect(NatsSettings(url=server.url), name="outage-setup")
    await ensure_streams(setup.jetstream(), ALL_STREAMS)
    agent = build_agent(AgentSettings(instance_id="agent-outage", nats=NatsSettings(url=server.url)))
    await agent.app.start()
    await request_when_ready(setup, ping_subject("agent"), b"")
    try:
        async with running_api(api_settings(server, fresh_database_url, jwks)) as (client, _):
            assert (await client.post("/api/projects", json={"name": "before"}, headers=token("o"))).status_code == 200

            await asyncio.to_thread(server.stop)
            response = await client.get("/api/health/deep")
            body = response.json()
            assert response.status_code == 503
            assert body["components"]["nats"]["status"] == "critical"
            assert body["components"]["postgres"]["status"] == "healthy"

            refused = await client.post("/api/projects", json={"name": "during"}, headers=token("o"))
            assert refused.status_code == 503, refused.text
            assert refused.json() == {"detail": MESSAGING_DOWN}
            assert "NATS" in MESSAGING_DOWN and "event store" in MESSAGING_DOWN
            assert refused.headers["retry-after"] == "1"

            await asyncio.to_thread(server.start)  # same port and store: JetStream data survives
            await request_when_ready(setup, ping_subject("agent"), b"", wait=15)
            created = await client.post("/api/projects", json={"name": "after"}, headers=token("o"))
            assert created.status_code == 200, created.text
            names = sorted(p["name"] for p in (await client.get("/api/projects", headers=token("o"))).json())
            assert names == ["after", "before"]
    finally:
        await agent.app.stop()
        await setup.close()
        await asyncio.to_thread(server.stop)
