"""The checkout and webhook use cases against the in-memory event store and the real verifier."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from cheatcode_billing.adapters.memory import FixedPrices, LogAccountDirectory
from cheatcode_billing.adapters.polar_webhooks import StandardWebhookVerifier
from cheatcode_billing.handlers import payments
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_contracts.billing import CreateCheckout, HandlePolarWebhook, PlanChanged, WebhookOutcome
from cheatcode_infra.doubles import polar_shapes as shapes
from cheatcode_infra.doubles.polar import signature_headers
from cheatcode_runtime.errors import Invalid, Unavailable
from cheatcode_runtime.eventstore import InMemoryEventStore

SECRET = "whsec-plain-text-secret"


def make(store: InMemoryEventStore, *, verifier: bool = True) -> payments.PaymentDeps:
    directory = LogAccountDirectory(store)
    billing = BillingDeps(store=lambda: store, prices=FixedPrices(), directory=lambda: directory)
    return payments.PaymentDeps(
        billing=billing,
        checkouts=None,
        verifier=StandardWebhookVerifier(SECRET) if verifier else None,
        plan_products={"pro": "prod_pro", "premium": "prod_premium"},
        success_url="https://example.test/ok",
    )


def delivery(event_type: str = "subscription.created", *, webhook_id: str = "msg_1", secret: str = SECRET,
             user: str = "user_a") -> HandlePolarWebhook:  # fmt: skip
    now = datetime.now(UTC)
    product = shapes.product("prod_pro", "Pro", 1800, "month", now)
    data = shapes.subscription(subscription_id="sub_1", status="active", product_=product, customer_email="a@x.io",
                               external_customer_id=user, metadata={"plan_id": "pro"}, period_start=now)  # fmt: skip
    body = json.dumps(shapes.webhook_event(event_type, data, now))
    headers = signature_headers(secret, body, webhook_id, now)
    return HandlePolarWebhook(
        body=body,
        webhook_id=headers["webhook-id"],
        webhook_timestamp=headers["webhook-timestamp"],
        webhook_signature=headers["webhook-signature"],
    )


async def outcome(command: HandlePolarWebhook, deps: payments.PaymentDeps) -> WebhookOutcome:
    reply = await payments.handle_webhook(command, deps)
    assert reply.ok
    return WebhookOutcome.model_validate(reply.result)


async def test_a_signed_created_applies_once_and_its_redelivery_changes_nothing() -> None:
    store = InMemoryEventStore()
    deps = make(store)
    command = delivery()
    first = await outcome(command, deps)
    assert (first.verified, first.outcome, first.user_id) == (True, "applied", "user_a")
    plans = [e.event for e in store.log if isinstance(e.event, PlanChanged)]
    assert [(p.plan_id, p.quota_remaining) for p in plans] == [("pro", 750_000)]
    count = len(store.log)
    again = await outcome(command, deps)
    assert again.outcome == "duplicate" and len(store.log) == count
    # A fresh process (no cached account) still knows the delivery from the log.
    assert (await outcome(command, make(store))).outcome == "duplicate" and len(store.log) == count


async def test_a_wrongly_signed_delivery_is_rejected_and_changes_nothing() -> None:
    store = InMemoryEventStore()
    result = await outcome(delivery(secret="not-the-secret"), make(store))
    assert (result.verified, result.outcome, result.detail) == (False, "rejected", "Invalid signature")
    assert len(store.log) == 0


async def test_unknown_types_and_foreign_deliveries_are_ignored() -> None:
    store = InMemoryEventStore()
    assert (await outcome(delivery("order.paid"), make(store))).outcome == "ignored"
    assert (await outcome(delivery("checkout.updated", webhook_id="msg_2"), make(store))).outcome == "ignored"
    assert len(store.log) == 0


async def test_without_a_webhook_secret_the_delivery_is_refused_as_unavailable() -> None:
    with pytest.raises(Unavailable):
        await payments.handle_webhook(delivery(), make(InMemoryEventStore(), verifier=False))


async def test_checkout_without_polar_is_unavailable_and_free_or_unknown_plans_are_invalid() -> None:
    deps = make(InMemoryEventStore())
    with pytest.raises(Unavailable, match="Payment processing is currently unavailable"):
        await payments.create_checkout(CreateCheckout(user_id="u", plan_id="pro"), deps)
    for plan_id in ("free", "gold"):
        with pytest.raises(Invalid, match="Invalid plan ID"):
            await payments.create_checkout(CreateCheckout(user_id="u", plan_id=plan_id), deps)


@pytest.mark.parametrize(
    ("email", "used"),
    [("a@b.io", "a@b.io"), (None, None), ("no-at-sign", None), ("placeholder@x.io", None), ("missing_email@x", None)],
)
def test_only_real_emails_are_passed_to_polar(email: str | None, used: str | None) -> None:
    assert payments.usable_email(email) == used
