"""Paid plans and BYOK through the whole stack (``cheatcode up``), from outside over HTTP.

Without ``POLAR_ACCESS_TOKEN`` the stack runs the local Polar double: checkout URLs open its page,
its "Pay" button sends signed webhooks to the API, and its webhook secret is in the stack's
secrets, so the test can sign deliveries of its own (good, replayed, forged).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cheatcode_infra.doubles import polar_shapes as shapes
from cheatcode_infra.doubles.polar import signature_headers
from cheatcode_infra.free_ports import free_port
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

KEY = "sk-or-v1-" + "e2e0" * 16


def call(stack: Stack, method: str, path: str, user: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = dict(kwargs.pop("headers", {}))
    if user is not None:
        headers["Authorization"] = f"Bearer {stack.token(user, email=f'{user}@example.com')}"
    return httpx.request(method, f"{stack.base_url}{path}", headers=headers, timeout=30, **kwargs)


def status(stack: Stack, user: str) -> dict[str, Any]:
    response = call(stack, "GET", "/api/billing/status", user)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def delivery(stack: Stack, user: str, product_id: str, *, secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A subscription.created as Polar signs it, for ``user`` buying ``product_id``."""
    now = datetime.now(UTC)
    product = shapes.product(product_id, "Pro", 1800, "month", now)
    data = shapes.subscription(subscription_id=str(uuid.uuid4()), status="active", product_=product,
                               customer_email=f"{user}@example.com", external_customer_id=user,
                               metadata={"plan_id": "pro"}, period_start=now)  # fmt: skip
    body = json.dumps(shapes.webhook_event("subscription.created", data, now)).encode()
    key = secret or (stack.paths.secrets / "polar-webhook-secret").read_text().strip()
    return body, signature_headers(key, body, f"msg_{uuid.uuid4().hex}", now)


def pay(stack: Stack, user: str, plan_id: str) -> None:
    """Upgrade the way a customer does: 402 with a checkout, then "Pay" on the (double's) page."""
    response = call(stack, "POST", "/api/billing/upgrade-plan", user, json={"new_plan_id": plan_id})
    assert response.status_code == 402, response.text
    checkout_url = response.json()["detail"]["checkout_url"]
    paid = httpx.post(f"{checkout_url}/confirm", timeout=30, follow_redirects=False)
    assert paid.status_code == 303
    deadline = time.monotonic() + 20
    while status(stack, user)["plan_id"] != plan_id:
        assert time.monotonic() < deadline, f"{user} never reached {plan_id}"
        time.sleep(0.2)


def test_no_paid_plan_without_a_verified_payment_and_each_delivery_applies_once(stack: Stack) -> None:
    user = f"payer-{uuid.uuid4().hex[:8]}"
    response = call(stack, "POST", "/api/billing/upgrade-plan", user, json={"new_plan_id": "pro"})
    assert response.status_code == 402, response.text
    detail = response.json()["detail"]
    assert detail["plan_id"] == "pro" and "/checkout/polar_c_" in detail["checkout_url"] and detail["message"]
    assert status(stack, user)["plan_id"] == "free"

    forged_body, forged_headers = delivery(stack, user, "prod_local_pro", secret="not-the-secret")
    forged = call(stack, "POST", "/api/webhooks/polar", content=forged_body, headers=forged_headers)
    assert forged.status_code == 403 and forged.json() == {"detail": "Invalid signature"}
    assert status(stack, user)["plan_id"] == "free"

    body, headers = delivery(stack, user, "prod_local_pro")
    assert call(stack, "POST", "/api/webhooks/polar", content=body, headers=headers).status_code == 200
    after = status(stack, user)
    assert (after["plan_id"], after["tokens_total"], after["tokens_remaining"]) == ("pro", 750_000, 750_000)
    again = call(stack, "POST", "/api/webhooks/polar", content=body, headers=headers)
    assert again.status_code == 200 and status(stack, user) == after


def test_paying_on_the_checkout_page_starts_the_plan(stack: Stack) -> None:
    user = f"premium-{uuid.uuid4().hex[:8]}"
    pay(stack, user, "premium")
    assert status(stack, user)["tokens_total"] == 1_250_000


@pytest.fixture(scope="module")
def byok_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose billing checks keys against a local OpenRouter (``CHEATCODE_OPENROUTER_URL``)."""
    port = free_port()
    double = subprocess.Popen([sys.executable, "-m", "cheatcode_infra", "openrouter-double", "--port", str(port)])
    url = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/auth/key", timeout=1)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "openrouter-double did not start"
            time.sleep(0.1)
    running = Stack(Path(tmp_path_factory.mktemp("byok")) / "home", env={"CHEATCODE_OPENROUTER_URL": url})
    try:
        running.start(timeout=90)
        yield running
        running.stop()
    finally:
        double.terminate()
        double.wait(timeout=10)


KEY_ROUTES = [("POST", "", {"api_key": KEY}), ("GET", "/status", None), ("DELETE", "", None),
              ("POST", "/test", {"api_key": KEY})]  # fmt: skip


def test_byok_keys_are_for_the_byok_plan_never_shown_and_unrecoverable_after_delete(byok_stack: Stack) -> None:
    stack, user = byok_stack, f"byok-{uuid.uuid4().hex[:8]}"
    for method, path, body in KEY_ROUTES:
        response = call(stack, method, f"/api/billing/openrouter-key{path}", user, json=body)
        assert response.status_code == 403, (path, response.text)
    pay(stack, user, "byok")
    tested = call(stack, "POST", "/api/billing/openrouter-key/test", user, json={"api_key": KEY})
    assert tested.json()["success"] is True, tested.text
    stored = call(stack, "POST", "/api/billing/openrouter-key", user, json={"api_key": KEY})
    assert stored.status_code == 200 and stored.json()["success"] is True, stored.text
    shown = call(stack, "GET", "/api/billing/openrouter-key/status", user)
    assert shown.json()["has_key"] is True
    for response in (tested, stored, shown, call(stack, "GET", "/api/billing/status", user)):
        assert KEY not in response.text

    ciphertext, key_id = stored_ciphertext(stack, user)
    assert call(stack, "DELETE", "/api/billing/openrouter-key", user).status_code == 200
    assert call(stack, "GET", "/api/billing/openrouter-key/status", user).json()["has_key"] is False
    log = events(stack, user)
    assert KEY not in log and ciphertext in log  # the log keeps the ciphertext, forever useless
    assert not opens(stack, key_id, ciphertext)
    for name in (stack.paths.logs).glob("*.log"):
        assert KEY not in name.read_text(errors="replace"), name


def events(stack: Stack, user: str) -> str:
    command = [
        sys.executable,
        "-m",
        "cheatcode_infra",
        "events",
        "--home",
        str(stack.home),
        "--aggregate",
        f"account:{user}",
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def stored_ciphertext(stack: Stack, user: str) -> tuple[str, str]:
    for line in events(stack, user).splitlines():
        record = json.loads(line)
        body = record.get("body") or record.get("data") or {}
        if record.get("type") == "account.byok_key_stored" or "ciphertext" in body:
            return body["ciphertext"], body["key_id"]
    raise AssertionError("no byok_key_stored event in the account's log")


def opens(stack: Stack, key_id: str, ciphertext: str) -> bool:
    """Whether anything the stack keeps (master key, billing's data-key bucket) still opens it."""

    async def attempt() -> bool:
        from cheatcode_runtime.nats import NatsSettings, connect
        from cheatcode_runtime.secrets import SecretBox, SecretDestroyedError, parse_master_keys
        from cheatcode_runtime.secrets.nats_kv import NatsKvKeyStore

        settings = NatsSettings(url=stack.state()["nats_url"], user="billing", password=stack.nats_password("billing"))
        client = await connect(settings, name="e2e-shredding-check")
        try:
            store = await NatsKvKeyStore.open(client.jetstream(), "billing_secret_keys")
            master = parse_master_keys((stack.paths.secrets / "encryption-key").read_text())
            try:
                await SecretBox(store, master).open(f"byok.{key_id}", ciphertext)
            except SecretDestroyedError:
                return False
            return True
        finally:
            await client.close()

    return asyncio.run(attempt())
