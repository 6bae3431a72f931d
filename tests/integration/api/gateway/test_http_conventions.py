"""Cross-cutting HTTP behaviour: auth dependencies, admin key, errors, headers, CORS, read-your-writes timeout."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from cheatcode_api.entrypoint.bootstrap import Infrastructure
from cheatcode_api.entrypoint.deps import AdminAccess, CurrentUser, StreamUser
from cheatcode_infra.nats_server import NatsServer
from tests.integration.api.gateway.conftest import KEY, api_settings, running_api, token
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration

probe = APIRouter()


@probe.get("/probe/stream")
async def stream_probe(user: StreamUser) -> dict[str, str]:
    return {"user": user.user_id}


@probe.get("/probe/admin")
async def admin_probe(_: AdminAccess, user: CurrentUser) -> dict[str, str]:
    return {"admin": user.user_id}


@probe.get("/probe/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


@pytest.fixture(scope="module")
async def edge(
    agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[tuple[httpx.AsyncClient, Infrastructure]]:
    settings = api_settings(nats_server, database_url, jwks, admin_api_key="s3cret", read_your_writes_timeout=0.5)
    async with running_api(settings, extra_routers=[probe]) as running:
        yield running


async def test_stream_routes_take_the_token_from_the_query_or_the_header(
    edge: tuple[httpx.AsyncClient, Infrastructure],
) -> None:
    client, _ = edge
    by_query = await client.get("/api/probe/stream", params={"token": KEY.mint("q_user")})
    by_header = await client.get("/api/probe/stream", headers=token("h_user"))
    both = await client.get("/api/probe/stream", params={"token": KEY.mint("q_user")}, headers=token("h_user"))
    assert (by_query.json(), by_header.json(), both.json()) == (
        {"user": "q_user"},
        {"user": "h_user"},
        {"user": "q_user"},
    )
    missing = await client.get("/api/probe/stream")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "query parameter" in missing.json()["detail"]
    bad = await client.get("/api/probe/stream", params={"token": "garbage"})
    assert bad.status_code == 401 and bad.json()["detail"].startswith("Invalid token")


async def test_expired_and_alg_none_tokens_get_401(edge: tuple[httpx.AsyncClient, Infrastructure]) -> None:
    client, _ = edge
    expired = await client.get("/api/projects", headers={"Authorization": f"Bearer {KEY.mint(ttl=-600)}"})
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
    none = await client.get("/api/projects", headers={"Authorization": f"Bearer {unsigned}"})
    assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-API-Key": "wrong"}, 403), ({"X-API-Key": "s3cret"}, 200), ({"X-Admin-Api-Key": "s3cret"}, 200)],
)
async def test_admin_key_headers(
    edge: tuple[httpx.AsyncClient, Infrastructure], headers: dict[str, str], status: int
) -> None:
    client, _ = edge
    response = await client.get("/api/probe/admin", headers={**token("admin_user"), **headers})
    assert response.status_code == status, response.text


async def test_admin_routes_answer_503_without_a_configured_key(
    agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> None:
    async with running_api(api_settings(nats_server, database_url, jwks), extra_routers=[probe]) as (client, _):
        response = await client.get("/api/probe/admin", headers={**token(), "X-API-Key": "anything"})
    assert response.status_code == 503 and response.json() == {"detail": "Admin API key not configured on server"}


async def test_unexpected_errors_are_a_generic_500(edge: tuple[httpx.AsyncClient, Infrastructure]) -> None:
    client, _ = edge
    response = await client.get("/api/probe/boom")
    assert response.status_code == 500 and response.json() == {"detail": "Internal server error"}


async def test_unknown_routes_are_404_with_detail(edge: tuple[httpx.AsyncClient, Infrastructure]) -> None:
    client, _ = edge
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404 and "detail" in response.json()


async def test_security_headers_and_cors(edge: tuple[httpx.AsyncClient, Infrastructure]) -> None:
    client, _ = edge
    response = await client.get("/api/health", headers={"Origin": "http://localhost:3000"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()"
    assert "content-security-policy-report-only" in response.headers
    assert "strict-transport-security" not in response.headers
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["access-control-allow-credentials"] == "true"
    preflight = await client.options(
        "/api/probe/stream",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,last-event-id",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    foreign = await client.get("/api/health", headers={"Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in foreign.headers


async def test_a_post_never_returns_before_the_read_model_has_it(
    edge: tuple[httpx.AsyncClient, Infrastructure],
) -> None:
    client, container = edge
    await container.stop_background()  # no projection runner: the read model cannot catch up
    try:
        response = await client.post("/api/projects", json={"name": "stuck"}, headers=token("patient"))
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
        assert "catching up" in response.json()["detail"]
        health = (await client.get("/api/health/deep")).json()["components"]["projections"]
        assert health["status"] == "critical" and health["details"]["applier_running"] is False
    finally:
        container.start_background()
    # Once the runner is back, the accepted write shows up.
    await container.waiter.wait_for("projects", (await container.js.stream_info("EVENTS")).state.last_seq)
    names = [p["name"] for p in (await client.get("/api/projects", headers=token("patient"))).json()]
    assert names == ["stuck"]


async def test_the_openapi_document_lists_the_routes(edge: tuple[httpx.AsyncClient, Infrastructure]) -> None:
    client, _ = edge
    document = (await client.get("/api/openapi.json")).json()
    for path in ("/api/health", "/api/health/deep", "/api/projects", "/api/projects/{project_id}", "/api/threads",
                 "/api/threads/{thread_id}/messages"):  # fmt: skip
        assert path in document["paths"], path
    assert "HTTPBearer" in document["components"]["securitySchemes"]
