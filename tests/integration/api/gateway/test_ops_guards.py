"""Rate limits shared by two API replicas, and Idempotency-Key, over HTTP against real services."""

from __future__ import annotations

import httpx
import pytest

from cheatcode_infra.nats_server import NatsServer
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration


async def test_two_replicas_together_allow_ten_project_creates_a_minute(
    agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> None:
    carol = token("user_carol_limits")
    first = api_settings(nats_server, database_url, jwks, rate_limits_enabled=True, instance_id="api-1")
    second = api_settings(nats_server, database_url, jwks, rate_limits_enabled=True, instance_id="api-2")
    async with running_api(first) as (one, _), running_api(second) as (two, _):
        responses = [
            await (one if i % 2 else two).post("/api/projects", json={"name": f"p{i}"}, headers=carol)
            for i in range(11)
        ]
        other_user = await one.post("/api/projects", json={"name": "x"}, headers=token("user_dave_limits"))
    assert [r.status_code for r in responses] == [200] * 10 + [429]
    assert responses[-1].json()["message"] == "Rate limit exceeded"
    assert int(responses[-1].headers["Retry-After"]) >= 1
    assert other_user.status_code == 200


async def test_a_repeated_post_with_one_idempotency_key_creates_one_project(api: httpx.AsyncClient) -> None:
    erin = token("user_erin_idem")
    headers = {**erin, "Idempotency-Key": "create-todo-1"}
    first = await api.post("/api/projects", json={"name": "Todo"}, headers=headers)
    again = await api.post("/api/projects", json={"name": "Todo"}, headers=headers)
    changed = await api.post("/api/projects", json={"name": "Other"}, headers=headers)
    listed = (await api.get("/api/projects", headers=erin)).json()
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert changed.status_code == 422
    assert [project["id"] for project in listed] == [first.json()["id"]]
