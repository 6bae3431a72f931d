"""Checkout, upgrade-plan and the Polar webhook over HTTP: API + billing service + Polar double.

No plan without payment: upgrade-plan to pro answers 402 with a real checkout URL and leaves the
plan free; only a correctly signed webhook starts pro, once per delivery id.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from nats.aio.client import Client
from pydantic import SecretStr

from cheatcode_billing.payments_config import PaymentSettings
from cheatcode_contracts.billing import AccountSnapshot, GetAccountStatus, account_subject
from cheatcode_infra.doubles import polar_shapes as shapes
from cheatcode_infra.doubles.polar import PolarDouble, signature_headers
from cheatcode_infra.doubles.serving import BackgroundServer
from cheatcode_infra.nats_server import NatsServer
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.billing_service import running_billing
from tests.support.clerk_double import JwksDouble
from tests.support.requests import send_command

TOKEN, SECRET = "polar_oat_test", "polar-webhook-secret-test"


@pytest.fixture(scope="module")
async def polar() -> AsyncIterator[PolarDouble]:
    double = PolarDouble(access_token=TOKEN)
    server = BackgroundServer(double.app())
    await server.start()
    double.public_url = server.url
    yield double
    await server.stop()


@pytest.fixture(scope="module")
async def billing(nats_server: NatsServer, nats_client: Client, polar: PolarDouble) -> AsyncIterator[None]:
    payments = PaymentSettings(
        polar_access_token=SecretStr(TOKEN),
        polar_server_url=polar.public_url,
        polar_webhook_secret=SecretStr(SECRET),
        polar_product_id_pro="prod_local_pro",
        polar_product_id_premium="prod_local_premium",
        polar_product_id_byok="prod_local_byok",
    )
    async with running_billing(nats_server.url, nats_client, payments):
        yield


@pytest.fixture(scope="module")
async def api(
    billing: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (client, _):
        yield client


async def plan_of(nats_client: Client, user: str) -> AccountSnapshot:
    reply = await send_command(nats_client, GetAccountStatus(user_id=user))
    return AccountSnapshot.model_validate(reply.result)


async def account_events(nats_client: Client, user: str) -> int:
    try:
        info = await nats_client.jetstream().stream_info("EVENTS", subjects_filter=account_subject(user))
    except Exception:
        return 0
    return sum((info.state.subjects or {}).values())


def signed(
    polar: PolarDouble,
    checkout_url: str,
    *,
    event_type: str = "subscription.created",
    webhook_id: str = "msg_created_1",
    secret: str = SECRET,
    age: timedelta = timedelta(),
) -> tuple[bytes, dict[str, str]]:
    """The delivery Polar sends once the customer pays the checkout at ``checkout_url``."""
    checkout = next(c for c in polar.checkouts.values() if c["url"] == checkout_url)
    now = datetime.now(UTC)
    data = shapes.subscription(subscription_id=f"sub_{checkout['id']}", status="active", product_=checkout["product"],
                               customer_email=checkout["customer_email"],
                               external_customer_id=checkout["external_customer_id"], metadata=checkout["metadata"],
                               period_start=now, checkout_id=checkout["id"])  # fmt: skip
    body = json.dumps(shapes.webhook_event(event_type, data, now)).encode()
    return body, signature_headers(secret, body, webhook_id, now - age)


async def test_checkout_for_free_changes_nothing_and_for_pro_opens_a_polar_checkout(
    api: httpx.AsyncClient, polar: PolarDouble
) -> None:
    free = await api.post("/api/billing/create-checkout-session", json={"plan_id": "free"}, headers=token("buyer"))
    assert free.status_code == 200
    assert free.json()["checkout_url"] is None and free.json()["message"] == "Free plan activated successfully"
    body = {"plan_id": "pro", "success_url": "https://app.test/done", "cancel_url": "https://app.test/x"}
    pro = await api.post("/api/billing/create-checkout-session", json=body, headers=token("buyer", email="b@x.io"))
    assert pro.status_code == 200, pro.text
    payload: dict[str, Any] = pro.json()
    assert (
        payload["success"] is True and payload["plan_details"]["name"] == "Pro" and "id" not in payload["plan_details"]
    )
    assert payload["checkout_url"].startswith(f"{polar.public_url}/checkout/")
    sent = polar.requests[-1]
    assert sent["products"] == ["prod_local_pro"] and sent["external_customer_id"] == "buyer"
    assert sent["metadata"]["plan_id"] == "pro" and sent["success_url"] == "https://app.test/done"
    assert sent["customer_email"] == "b@x.io"


@pytest.mark.parametrize("path", ["/api/billing/create-checkout-session", "/api/billing/upgrade-plan"])
async def test_an_invalid_plan_is_400_and_no_token_is_401(api: httpx.AsyncClient, path: str) -> None:
    field = "plan_id" if "checkout" in path else "new_plan_id"
    bad = await api.post(path, json={field: "gold"}, headers=token("buyer"))
    assert bad.status_code == 400 and bad.json() == {"detail": "Invalid plan ID"}
    assert (await api.post(path, json={field: "pro"})).status_code == 401


async def test_upgrade_to_pro_needs_payment_and_a_signed_webhook_starts_it_once(
    api: httpx.AsyncClient, polar: PolarDouble, nats_client: Client
) -> None:
    user = "upgrader"
    response = await api.post("/api/billing/upgrade-plan", json={"new_plan_id": "pro"}, headers=token(user))
    assert response.status_code == 402, response.text
    detail = response.json()["detail"]
    assert detail["plan_id"] == "pro" and detail["checkout_url"].startswith(polar.public_url) and detail["message"]
    assert (await plan_of(nats_client, user)).plan_id == "free"

    wrong_body, wrong_headers = signed(polar, detail["checkout_url"], secret="not-the-secret", webhook_id="msg_w")
    assert (await api.post("/api/webhooks/polar", content=wrong_body, headers=wrong_headers)).status_code == 403
    stale_body, stale_headers = signed(polar, detail["checkout_url"], webhook_id="msg_s", age=timedelta(minutes=6))
    stale = await api.post("/api/webhooks/polar", content=stale_body, headers=stale_headers)
    assert stale.status_code == 403 and stale.json() == {"detail": "Invalid signature"}
    unsigned = await api.post("/api/webhooks/polar", content=stale_body)
    assert unsigned.status_code == 403
    assert (await plan_of(nats_client, user)).plan_id == "free"

    body, headers = signed(polar, detail["checkout_url"])
    applied = await api.post("/api/webhooks/polar", content=body, headers=headers)
    assert applied.status_code == 200 and applied.json() == {"status": "success"}
    account = await plan_of(nats_client, user)
    assert (account.plan_id, account.tokens_total, account.tokens_remaining) == ("pro", 750_000, 750_000)
    assert account.subscription_status == "active"
    events = await account_events(nats_client, user)

    again = await api.post("/api/webhooks/polar", content=body, headers=headers)
    assert again.status_code == 200
    assert await account_events(nats_client, user) == events
    assert (await plan_of(nats_client, user)).tokens_remaining == 750_000


async def test_unknown_event_types_are_accepted_and_ignored(api: httpx.AsyncClient, polar: PolarDouble) -> None:
    body = json.dumps({"type": "order.paid", "timestamp": "2026-12-01T00:00:00Z", "data": {"id": "o1"}}).encode()
    headers = signature_headers(SECRET, body, "msg_order", datetime.now(UTC))
    response = await api.post("/api/webhooks/polar", content=body, headers=headers)
    assert response.status_code == 200 and response.json() == {"status": "success"}


async def test_downgrade_to_free_is_immediate(api: httpx.AsyncClient, polar: PolarDouble, nats_client: Client) -> None:
    user = "downgrader"
    checkout = await api.post("/api/billing/upgrade-plan", json={"new_plan_id": "premium"}, headers=token(user))
    body, headers = signed(polar, checkout.json()["detail"]["checkout_url"], webhook_id="msg_premium")
    assert (await api.post("/api/webhooks/polar", content=body, headers=headers)).status_code == 200
    assert (await plan_of(nats_client, user)).plan_id == "premium"
    down = await api.post("/api/billing/upgrade-plan", json={"new_plan_id": "free"}, headers=token(user))
    assert down.status_code == 200, down.text
    assert down.json()["success"] is True and down.json()["new_plan"]["name"] == "Free"
    account = await plan_of(nats_client, user)
    assert (account.plan_id, account.tokens_remaining) == ("free", 100_000)
    # Asking for free again while on free refills nothing.
    before = await account_events(nats_client, user)
    assert (
        await api.post("/api/billing/upgrade-plan", json={"new_plan_id": "free"}, headers=token(user))
    ).status_code == 200
    assert await account_events(nats_client, user) == before
