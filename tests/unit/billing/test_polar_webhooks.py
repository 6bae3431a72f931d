"""Polar webhooks: Standard Webhooks signatures, the tolerant reader, and the plan transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cheatcode_billing.adapters.polar_webhooks import StandardWebhookVerifier
from cheatcode_billing.domain import subscriptions
from cheatcode_billing.domain.account import Account, fold, new_account
from cheatcode_billing.ports.payments import InvalidWebhookError
from cheatcode_contracts import Event
from cheatcode_contracts.billing import PlanChanged, QuotaReset, SubscriptionRecorded, TokensCharged
from cheatcode_infra.doubles import polar_shapes as shapes
from cheatcode_infra.doubles.polar import signature_headers

SECRET = "polar_whs_local_secret"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PRODUCTS = {"prod_pro": "pro", "prod_premium": "premium", "prod_byok": "byok"}


def payload(
    event_type: str,
    *,
    sub_id: str = "sub_1",
    product_id: str = "prod_pro",
    user: str | None = "user_a",
    status: str = "active",
    plan_id: str | None = "pro",
    period_start: datetime = NOW,
) -> dict[str, Any]:
    product = shapes.product(product_id, "Pro", 1800, "month", NOW)
    data = shapes.subscription(
        subscription_id=sub_id,
        status=status,
        product_=product,
        customer_email="a@example.com",
        external_customer_id=user,
        metadata={"plan_id": plan_id} if plan_id else {},
        period_start=period_start,
    )
    return shapes.webhook_event(event_type, data, NOW)


def event(event_type: str, **options: Any) -> subscriptions.SubscriptionEvent:
    read = subscriptions.read_event(payload(event_type, **options))
    assert read is not None
    return read


def apply(state: Account, events: Sequence[Event]) -> Account:
    for item in events:
        state = state.apply(item)
    return state


def deliver(state: Account, event_type: str, delivery: str, **options: Any) -> tuple[Account, list[Event]]:
    events = subscriptions.decide(state, event(event_type, **options), PRODUCTS, delivery, NOW)  # type: ignore[arg-type]
    return apply(state, events), events


# ---------------------------------------------------------------------------- signatures


def test_a_correct_signature_verifies_and_returns_the_json() -> None:
    body = '{"type":"subscription.created","data":{"id":"s"}}'
    headers = signature_headers(SECRET, body, "msg_1", datetime.now(UTC))
    assert StandardWebhookVerifier(SECRET).verify(body, headers)["type"] == "subscription.created"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, h: (body.replace("created", "revoked"), h),
        lambda body, h: (body, {**h, "webhook-id": "msg_other"}),
        lambda body, h: (body, {**h, "webhook-signature": "v1,AAAA"}),
        lambda body, h: (body, {**h, "webhook-signature": "garbage-without-comma"}),
        lambda body, h: (body, {**h, "webhook-timestamp": "not-a-number"}),
        lambda body, h: (body, {k: v for k, v in h.items() if k != "webhook-signature"}),
    ],
)
def test_a_tampered_delivery_is_refused(tamper: Any) -> None:
    body = '{"type":"subscription.created","data":{"id":"s"}}'
    body, headers = tamper(body, signature_headers(SECRET, body, "msg_1", datetime.now(UTC)))
    with pytest.raises(InvalidWebhookError):
        StandardWebhookVerifier(SECRET).verify(body, headers)


def test_another_secret_or_the_base64_reading_of_it_does_not_verify() -> None:
    body = '{"type":"x"}'
    headers = signature_headers("some-other-secret", body, "msg_1", datetime.now(UTC))
    with pytest.raises(InvalidWebhookError):
        StandardWebhookVerifier(SECRET).verify(body, headers)


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_a_stale_or_future_timestamp_is_refused(age: timedelta) -> None:
    body = '{"type":"x"}'
    headers = signature_headers(SECRET, body, "msg_1", datetime.now(UTC) - age)
    with pytest.raises(InvalidWebhookError):
        StandardWebhookVerifier(SECRET).verify(body, headers)


def test_within_the_five_minute_tolerance_verifies() -> None:
    body = '{"type":"x"}'
    headers = signature_headers(SECRET, body, "msg_1", datetime.now(UTC) - timedelta(minutes=4))
    assert StandardWebhookVerifier(SECRET).verify(body, headers) == {"type": "x"}


# ---------------------------------------------------------------------------- reading


def test_the_reader_takes_only_what_it_needs() -> None:
    read = event("subscription.created")
    assert (read.subscription_id, read.status, read.product_id, read.user_id) == (
        "sub_1",
        "active",
        "prod_pro",
        "user_a",
    )
    assert read.customer_email == "a@example.com" and read.metadata_plan_id == "pro"
    assert read.current_period_start == NOW and read.current_period_end == NOW + timedelta(days=30)


def test_unknown_types_are_none_and_unreadable_data_raises() -> None:
    assert subscriptions.read_event({"type": "order.paid", "data": {}}) is None
    assert subscriptions.read_event({"data": {}}) is None
    with pytest.raises(subscriptions.UnreadableEventError):
        subscriptions.read_event({"type": "subscription.created", "data": {"status": "active"}})


def test_extra_and_changed_fields_elsewhere_do_not_matter() -> None:
    body = payload("subscription.created")
    body["data"]["amount"] = "not a number any more"
    body["data"]["brand_new_field"] = {"x": 1}
    assert subscriptions.read_event(body) is not None


# ---------------------------------------------------------------------------- transitions


def test_created_for_the_pro_product_gives_pro_with_its_full_quota_once() -> None:
    state, events = deliver(new_account("user_a"), "subscription.created", "d1")
    assert state.plan_id == "pro" and state.quota_total == state.quota_remaining == 750_000
    assert any(isinstance(e, PlanChanged) and e.source == "polar" for e in events)
    assert state.subscription is not None and state.subscription.status == "active"
    again, nothing = deliver(state, "subscription.created", "d1")
    assert nothing == [] and again == state


def test_a_second_created_or_active_for_the_same_subscription_refills_nothing() -> None:
    state, _ = deliver(new_account("user_a"), "subscription.created", "d1")
    spent = state.apply(_charge(state, 500_000))
    after_active, events = deliver(spent, "subscription.active", "d2")
    assert [type(e) for e in events] == [SubscriptionRecorded]
    assert after_active.quota_remaining == 250_000


def test_the_product_decides_the_plan_and_metadata_only_fills_in_for_unknown_products() -> None:
    state, _ = deliver(new_account("u"), "subscription.created", "d1", product_id="prod_premium", plan_id="byok")
    assert state.plan_id == "premium"
    other, _ = deliver(new_account("u"), "subscription.created", "d1", product_id="prod_retired", plan_id="byok")
    assert other.plan_id == "byok"
    none, events = deliver(new_account("u"), "subscription.created", "d1", product_id="prod_retired", plan_id=None)
    assert none.plan_id == "free" and events == []


def test_a_created_whose_payment_is_incomplete_starts_no_plan_until_active() -> None:
    state, events = deliver(new_account("u"), "subscription.created", "d1", status="incomplete")
    assert events == [] and state.plan_id == "free"
    state, _ = deliver(state, "subscription.active", "d2")
    assert state.plan_id == "pro" and state.quota_remaining == 750_000


def test_updated_resets_the_quota_only_for_a_new_plan_or_a_new_period() -> None:
    state, _ = deliver(new_account("u"), "subscription.created", "d1")
    state = state.apply(_charge(state, 700_000))
    toggled, events = deliver(state, "subscription.updated", "d2")
    assert [type(e) for e in events] == [SubscriptionRecorded] and toggled.quota_remaining == 50_000
    renewed, events = deliver(toggled, "subscription.updated", "d3", period_start=NOW + timedelta(days=30))
    assert QuotaReset in [type(e) for e in events] and renewed.quota_remaining == 750_000
    upgraded, events = deliver(renewed, "subscription.updated", "d4", product_id="prod_premium")
    assert upgraded.plan_id == "premium" and upgraded.quota_total == upgraded.quota_remaining == 1_250_000


def test_canceled_or_revoked_of_the_current_subscription_downgrades_to_free() -> None:
    for kind in ("subscription.canceled", "subscription.revoked"):
        state, _ = deliver(new_account("u"), "subscription.created", "d1")
        state, _ = deliver(state, kind, "d2", status="canceled")
        assert state.plan_id == "free" and state.quota_total == state.quota_remaining == 100_000
        assert state.subscription is not None and state.subscription.status == "canceled"


def test_canceling_an_older_subscription_leaves_the_current_one() -> None:
    state, _ = deliver(new_account("u"), "subscription.created", "d1", sub_id="sub_new")
    after, events = deliver(state, "subscription.canceled", "d2", sub_id="sub_old")
    assert events == [] and after.plan_id == "pro"


def test_a_cancel_for_an_account_never_opened_changes_nothing() -> None:
    assert deliver(new_account("u"), "subscription.canceled", "d1")[1] == []


def test_replaying_the_log_gives_the_same_account() -> None:
    state, events1 = deliver(new_account("u"), "subscription.created", "d1")
    state, events2 = deliver(state, "subscription.updated", "d2", product_id="prod_premium")
    assert fold("u", [*events1, *events2]) == state


def _charge(state: Account, tokens: int) -> TokensCharged:
    return TokensCharged(
        user_id=state.user_id,
        run_id="r",
        call_index=0,
        thread_id="t",
        project_id="p",
        model="m",
        prompt_tokens=tokens,
        completion_tokens=0,
        total_tokens=tokens,
        charged_tokens=tokens,
        balance_after=state.quota_remaining - tokens,
        estimated_cost_usd=0.0,
        plan_id=state.plan_id,
        used_at=NOW,
    )
