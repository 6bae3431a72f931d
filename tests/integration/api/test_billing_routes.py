"""Billing over HTTP against the real API app, the real billing service, nats-server and PostgreSQL.

Usage is appended the way the agent appends it (``UsageRecorded`` on ``cc.evt.llm_usage.<run>``);
the billing service in this process meters it; the API projects the charges and serves them.
No agent runs here: a run start that billing allows would wait for an agent, so only refusals
are started.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from nats.aio.client import Client

from cheatcode_api.entrypoint.app import create_app
from cheatcode_api.entrypoint.bootstrap import Infrastructure, build_infrastructure
from cheatcode_billing.config import Settings as BillingSettings
from cheatcode_billing.entrypoint.bootstrap import build as build_billing
from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.billing import ChangePlan
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.runs import UsageRecorded, usage_subject
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import aggregate_subject, ping_subject
from cheatcode_contracts.threads import ThreadCreated
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore
from cheatcode_runtime.nats import CommandClient, NatsSettings, connect, ensure_streams
from tests.integration.api.gateway.conftest import KEY, api_settings, jwks, token  # noqa: F401
from tests.integration.api.streaming.sse import serve
from tests.support.clerk_double import JwksDouble
from tests.support.requests import request_when_ready

pytestmark = pytest.mark.integration

ADMIN_KEY = "billing-admin-key"


@dataclass
class Stack:
    http: httpx.AsyncClient
    infra: Infrastructure
    nats: Client


@pytest.fixture(scope="module")
def private_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path_factory.mktemp("billing-nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def private_nats(private_server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(NatsSettings(url=private_server.url), name="billing-tests")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.drain()


@pytest.fixture(scope="module")
async def stack(
    private_server: NatsServer,
    private_nats: Client,
    database_url: str,
    jwks: JwksDouble,  # noqa: F811
) -> AsyncIterator[Stack]:
    billing = build_billing(BillingSettings(instance_id="billing-test", nats=NatsSettings(url=private_server.url),
                                            prices_refresh=False, metering_ack_wait=5.0))  # fmt: skip
    await billing.app.start()
    await request_when_ready(private_nats, ping_subject("billing"), b"")
    infra = await build_infrastructure(api_settings(private_server, database_url, jwks, admin_api_key=ADMIN_KEY))
    app = create_app(infra.container)
    try:
        async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=15) as http:
            yield Stack(http, infra, private_nats)
    finally:
        await billing.app.stop()


async def append(stack: Stack, subject: str, *events: Event) -> int:
    store = JetStreamEventStore(stack.nats.jetstream(), build_registry())
    result = await store.append(subject, list(events), expected_position=None, idempotency_key=str(uuid.uuid4()))
    return result.position


async def use(stack: Stack, user: str, run: str, call: int, tokens: int, thread: str = "t", project: str = "p") -> None:
    event = UsageRecorded(run_id=run, user_id=user, thread_id=thread, project_id=project, model="mock-model",
                          prompt_tokens=tokens - 100, completion_tokens=100, call_index=call)  # fmt: skip
    await append(stack, usage_subject(run), event)


async def status_of(stack: Stack, user: str) -> dict[str, Any]:
    response = await stack.http.get("/api/billing/status", headers=token(user))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def wait_remaining(stack: Stack, user: str, expected: int, within: float = 15.0) -> dict[str, Any]:
    ends = time.monotonic() + within
    while True:
        body = await status_of(stack, user)
        if body["tokens_remaining"] == expected or time.monotonic() > ends:
            return body
        await asyncio.sleep(0.05)


async def new_thread(stack: Stack, user: str, model: str | None = None) -> str:
    project_id, thread_id = str(uuid.uuid4()), str(uuid.uuid4())
    await append(stack, aggregate_subject("project", project_id),
                 ProjectCreated(project_id=project_id, user_id=user, name="B", model_name=model))  # fmt: skip
    position = await append(stack, aggregate_subject("thread", thread_id),
                            ThreadCreated(thread_id=thread_id, project_id=project_id, user_id=user))  # fmt: skip
    await stack.infra.waiter.wait_for("threads", position)
    return thread_id


async def test_a_new_user_is_free_with_the_full_quota_and_nothing_else_is_written(stack: Stack) -> None:
    body = await status_of(stack, "bill_new")
    assert (body["plan_id"], body["tokens_total"], body["tokens_remaining"], body["credits_remaining"]) == (
        "free", 100_000, 100_000, 20)  # fmt: skip
    assert body["account_id"] == "bill_new" and body["deployments_used"] == 0 and body["deployments_total"] == 1
    subscription = (await stack.http.get("/api/billing/subscription", headers=token("bill_new"))).json()
    assert set(subscription) == set(body) and subscription["tokens_remaining"] == 100_000  # resets_at = now + 30 d
    plans = (await stack.http.get("/api/billing/plans", headers=token("bill_new"))).json()
    assert [p["name"] for p in plans["plans"]] == ["Free", "Pro", "Premium", "BYOK"] and plans["current_plan"] == "free"
    assert (await stack.http.get("/api/billing/status")).status_code == 401


async def test_usage_is_charged_once_listed_newest_first_and_private(stack: Stack) -> None:
    user = "bill_alice"
    await use(stack, user, "run-a", 0, 30_000, thread="th-1", project="pr-1")
    await use(stack, user, "run-a", 1, 20_000, thread="th-1", project="pr-1")
    await use(stack, user, "run-a", 1, 20_000, thread="th-1", project="pr-1")  # the same call again
    await use(stack, user, "run-b", 0, 70_000, thread="th-2", project="pr-2")
    body = await wait_remaining(stack, user, 100_000 - 120_000)
    assert body["tokens_remaining"] == -20_000 and body["credits_remaining"] == 0
    history = (await stack.http.get("/api/billing/usage-history?days=30", headers=token(user))).json()
    entries = history["usage_entries"]
    assert [e["id"] for e in entries] == ["run-b:0", "run-a:1", "run-a:0"]
    assert [(e["thread_id"], e["project_id"]) for e in entries] == [("th-2", "pr-2"), ("th-1", "pr-1"),
                                                                    ("th-1", "pr-1")]  # fmt: skip
    assert entries[0]["tokens_remaining_after"] == -20_000 and entries[0]["credits_used"] == 14
    assert history["total_tokens_used"] == 120_000 and history["account_id"] == user
    other = (await stack.http.get("/api/billing/usage-history", headers=token("bill_bob"))).json()
    assert other["usage_entries"] == [] and (await status_of(stack, "bill_bob"))["tokens_remaining"] == 100_000
    assert (await stack.http.get("/api/billing/usage-history?days=-1", headers=token(user))).status_code == 422


async def test_a_spent_account_gets_402_and_a_premium_model_403_on_agent_start(stack: Stack) -> None:
    user = "bill_spent"
    await use(stack, user, "run-s", 0, 96_000)
    await wait_remaining(stack, user, 4_000)
    thread = await new_thread(stack, user)
    refused = await stack.http.post(f"/api/thread/{thread}/agent/start", json={}, headers=token(user))
    assert refused.status_code == 402, refused.text
    assert refused.json()["detail"] == {
        "error": "insufficient_credits",
        "message": "Insufficient credits to start conversation. You have 0 credits remaining, but need at least 1 "
        "credits.",
        "credits_remaining": 0, "credits_needed": 1, "current_plan": "Free", "upgrade_required": True,
    }  # fmt: skip
    fresh_thread = await new_thread(stack, "bill_fresh", model="claude-opus-4.5")
    forbidden = await stack.http.post(f"/api/thread/{fresh_thread}/agent/start", json={}, headers=token("bill_fresh"))
    assert forbidden.status_code == 403, forbidden.text
    detail = forbidden.json()["detail"]
    assert set(detail) == {"message", "allowed_models"} and "claude-opus-4.5" not in detail["allowed_models"]
    initiate = await stack.http.post("/api/agent/initiate", data={"prompt": "hi"}, headers=token(user))
    assert initiate.status_code == 402 and initiate.json()["detail"]["error"] == "insufficient_credits"


async def test_admin_routes_need_the_admin_key_alone(stack: Stack) -> None:
    for method, path in [("POST", "reset-quotas"), ("GET", "quota-status"), ("GET", "openrouter-cache/info"),
                         ("POST", "openrouter-cache/warm"), ("POST", "openrouter-cache/clear")]:  # fmt: skip
        url = f"/api/billing/admin/{path}"
        assert (await stack.http.request(method, url)).status_code == 401
        assert (await stack.http.request(method, url, headers={"X-API-Key": "wrong"})).status_code == 403
    info = (await stack.http.get("/api/billing/admin/openrouter-cache/info", headers={"X-API-Key": ADMIN_KEY})).json()
    assert info["cache_key"] == "openrouter:models:pricing" and info["cached"] is False
    cleared = await stack.http.post("/api/billing/admin/openrouter-cache/clear", headers={"X-Admin-Api-Key": ADMIN_KEY})
    assert cleared.json() == {"success": True, "message": "Cache was already empty or not found"}


async def test_admin_reset_and_quota_status(stack: Stack) -> None:
    user = "bill_reset"
    await use(stack, user, "run-r", 0, 50_000)
    await wait_remaining(stack, user, 50_000)
    admin = {"X-API-Key": ADMIN_KEY}
    status = (await stack.http.get("/api/billing/admin/quota-status", headers=admin)).json()
    mine = [row for row in status["quota_status"] if row["id"] == user]
    assert mine and mine[0]["token_quota_remaining"] == 50_000 and mine[0]["needs_reset"] is False
    quiet = (await stack.http.post("/api/billing/admin/reset-quotas", headers=admin)).json()
    assert quiet == {"success": True, "message": "No accounts needed quota reset", "reset_details": []}
    # A plan change (what a verified webhook does) gives the plan's full quota at once.
    commands = CommandClient(stack.nats)
    reply = await commands.send(ChangePlan(user_id=user, plan_id="pro", source="admin"))
    await stack.infra.waiter.wait_for("billing", reply.position)
    body = await status_of(stack, user)
    assert (body["plan_id"], body["tokens_remaining"], body["deployments_total"]) == ("pro", 750_000, 10)
