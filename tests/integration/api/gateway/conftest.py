"""The API as built by its composition root, against a real nats-server, PostgreSQL and agent app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client

from cheatcode_agent.config import Settings as AgentSettings
from cheatcode_agent.entrypoint.bootstrap import build as build_agent
from cheatcode_api.config import Settings
from cheatcode_api.entrypoint.app import create_app
from cheatcode_api.entrypoint.bootstrap import Infrastructure, build_infrastructure
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams
from tests.support.clerk_double import ISSUER, PARTY, JwksDouble, SigningKey
from tests.support.requests import request_when_ready

KEY = SigningKey("gateway-key")


@pytest.fixture(scope="session")
async def jwks() -> AsyncIterator[JwksDouble]:
    server = JwksDouble(KEY)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
async def agent(nats_server: NatsServer, nats_client: Client) -> AsyncIterator[None]:
    """The real agent service (its faststream app) in this process."""
    host = build_agent(AgentSettings(instance_id="agent-for-api", nats=NatsSettings(url=nats_server.url)))
    await host.app.start()
    await request_when_ready(nats_client, ping_subject("agent"), b"")
    yield
    await host.app.stop()


def token(user: str = "user_a", **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY.mint(user, **claims)}"}


def api_settings(nats_server: NatsServer, database_url: str, jwks: JwksDouble, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "jwks_url": jwks.url,
        "jwt_issuer": ISSUER,
        "jwt_authorized_parties": [PARTY],
        "instance_id": "api-test",
        "nats": NatsSettings(url=nats_server.url),
        "projection_standby_interval": 0.1,
        "cors_origins": ["http://localhost:3000"],
        # Tests create far more than 10 projects a minute with one token; the rate-limit
        # tests turn the limits back on.
        "rate_limits_enabled": False,
    }
    values.update(overrides)
    return Settings(**values)


async def provision(settings: Settings) -> None:
    """What ``cheatcode provision`` does before the API starts: the API only checks the streams."""
    client = await connect(settings.nats, name="test-provisioner")
    try:
        await ensure_streams(client.jetstream(), ALL_STREAMS)
    finally:
        await client.close()


@asynccontextmanager
async def running_api(
    settings: Settings, **app_options: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Infrastructure]]:
    """The app over real adapters with its lifespan running, driven in-process over ASGI; also
    yields the infrastructure below the container's ports (pool, JetStream, runner)."""
    await provision(settings)
    infrastructure = await build_infrastructure(settings)
    app: FastAPI = create_app(infrastructure.container, **app_options)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client, infrastructure


RunningApi = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, Infrastructure]]]


@pytest.fixture(scope="module")
async def api(
    agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (client, _):
        yield client
