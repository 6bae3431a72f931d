"""``/api/health`` and ``/api/health/deep`` against real NATS, PostgreSQL and service ping responders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_contracts.health import Pong
from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_infra.postgres_server import PostgresServer
from cheatcode_runtime.nats import NatsSettings
from cheatcode_runtime.service import ServiceHost, ServiceSettings, build_service
from tests.integration.api.gateway.conftest import api_settings, running_api
from tests.support.clerk_double import JwksDouble
from tests.support.requests import request_when_ready

pytestmark = pytest.mark.integration

PING_ONLY = ("sandbox", "billing", "integrations")  # their features come later; they answer pings today


@pytest.fixture
async def ping_only_services(nats_server: NatsServer, nats_client: Client) -> AsyncIterator[dict[str, ServiceHost]]:
    hosts = {
        name: build_service(name, ServiceSettings(instance_id=f"{name}-test", nats=NatsSettings(url=nats_server.url)))
        for name in PING_ONLY
    }
    for name, host in hosts.items():
        await host.app.start()
        await request_when_ready(nats_client, ping_subject(name), b"")
    yield hosts
    for host in hosts.values():
        await host.app.stop()


async def test_shallow_health_and_nats_ping(
    agent: None, nats_server: NatsServer, nats_client: Client, database_url: str, jwks: JwksDouble
) -> None:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (client, _):
        response = await client.get("/api/health")
        pong = Pong.model_validate_json(await request_when_ready(nats_client, ping_subject("api"), b""))
        assert (pong.service, pong.instance_id) == ("api", "api-test")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok" and body["instance_id"] == "api-test"
    assert body["timestamp"].endswith("+00:00")


async def test_deep_health_is_healthy_then_critical_when_a_service_stops(
    agent: None,
    ping_only_services: dict[str, ServiceHost],
    nats_server: NatsServer,
    database_url: str,
    jwks: JwksDouble,
) -> None:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (client, container):
        await asyncio.wait_for(container.runner.leading_event.wait(), 5)  # the applier exists from here on
        response = await client.get("/api/health/deep")
        body = response.json()
        assert response.status_code == 200, body
        assert body["overall_status"] == "healthy" and body["critical_issues"] == []
        components = body["components"]
        assert set(components) == {
            "nats", "stream:EVENTS", "stream:RUN_OUTPUT", "postgres", "projections",
            "service:agent", "service:sandbox", "service:billing", "service:integrations",
        }  # fmt: skip
        assert components["stream:EVENTS"]["details"]["exists"] is True
        assert isinstance(components["stream:EVENTS"]["details"]["messages"], int)
        assert components["postgres"]["details"]["query_time_ms"] >= 0
        assert components["service:agent"]["details"]["instance_id"] == "agent-for-api"
        assert {"projects", "threads", "messages"} <= set(components["projections"]["details"]["lag"])
        assert components["projections"]["details"]["applier_running"] is True

        await ping_only_services["billing"].app.stop()
        response = await client.get("/api/health/deep")
        body = response.json()
        assert response.status_code == 503 and body["overall_status"] == "critical"
        assert body["components"]["service:billing"]["status"] == "critical"
        assert [issue.split(":")[1] for issue in body["critical_issues"]] == ["billing"]


async def test_deep_health_is_critical_when_postgres_stops(
    agent: None, nats_server: NatsServer, jwks: JwksDouble, tmp_path: Path
) -> None:
    server = PostgresServer(data_dir=tmp_path / "pg", log_file=tmp_path / "pg.log")
    await asyncio.to_thread(server.start)  # off the loop: other in-process services keep running meanwhile
    try:
        settings = api_settings(nats_server, server.dsn, jwks)
        async with running_api(settings) as (client, _):
            healthy = (await client.get("/api/health/deep")).json()
            assert healthy["components"]["postgres"]["status"] == "healthy"
            await asyncio.to_thread(server.stop)
            response = await client.get("/api/health/deep")
            body = response.json()
            assert response.status_code == 503
            assert body["components"]["postgres"]["status"] == "critical"
            assert (await client.get("/api/health")).status_code == 200  # liveness does not depend on it
    finally:
        await asyncio.to_thread(server.stop)
