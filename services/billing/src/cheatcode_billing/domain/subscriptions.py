"""Polar subscription events → account events (reference §13), applied once per delivery.

A tolerant reader: only ``type`` and ``data.{id, status, product_id, customer.external_id,
customer.email, metadata.plan_id, current_period_start, current_period_end}`` are read, so a
field Polar adds or changes elsewhere never breaks billing.

Where the reference's two code paths disagree, the rule chosen keeps quotas right:

* The plan is the one of the product paid for; ``metadata.plan_id`` (set by our own checkout)
  is used only when the product is not one we sell (e.g. product ids changed since).
* ``subscription.created`` and ``subscription.active`` start the paid plan with its full quota,
  once per subscription: a second ``created``/``active`` for the same subscription and plan
  only records the status (no free refill). A ``created`` whose status is not active/trialing
  (payment incomplete) records the subscription without a plan.
* ``subscription.updated`` resets the quota (the Inngest path's ``_update_token_quota``, total
  and remaining) only when the plan changed or a new billing period started; any other update
  (a status toggle, cancel-at-period-end switched on and off) changes no quota. The inline
  path's "total only" left the remaining balance of the old plan (above the new total after a
  downgrade, short of what was paid for after an upgrade); resetting on every update would hand
  out a full quota per toggle.
* ``subscription.canceled`` and ``subscription.revoked`` of the account's current subscription
  downgrade to free (free quota), as §13 does for canceled; one of an older subscription is
  ignored. Unknown event types, deliveries without an account, and events that would change
  nothing on an account never opened are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from cheatcode_billing.domain.account import PERIOD, Account, change_plan
from cheatcode_contracts import Event
from cheatcode_contracts.billing import QuotaReset, SubscriptionRecorded
from cheatcode_contracts.plans import PlanId, is_plan_id, plan

PROVIDER = "polar"
HANDLED_TYPES = frozenset(
    {
        "subscription.created",
        "subscription.updated",
        "subscription.active",
        "subscription.canceled",
        "subscription.revoked",
    }
)
PAID_STATUSES = frozenset({"active", "trialing"})


class _Customer(BaseModel):
    external_id: str | None = None
    email: str | None = None


class _Data(BaseModel):
    id: str
    status: str | None = None
    product_id: str | None = None
    customer: _Customer | None = None
    metadata: dict[str, Any] | None = None
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None


@dataclass(frozen=True)
class SubscriptionEvent:
    event_type: str
    subscription_id: str
    status: str
    product_id: str | None
    user_id: str | None
    customer_email: str | None
    metadata_plan_id: str | None
    current_period_start: datetime | None
    current_period_end: datetime | None


class UnreadableEventError(Exception):
    """A handled event type whose data lacks what the handler needs."""


def read_event(payload: Mapping[str, Any]) -> SubscriptionEvent | None:
    """The subscription event in a verified payload; None for a type billing does not handle."""
    event_type = payload.get("type")
    if not isinstance(event_type, str) or event_type not in HANDLED_TYPES:
        return None
    try:
        data = _Data.model_validate(payload.get("data"))
    except ValidationError as error:
        raise UnreadableEventError(f"{event_type}: {error.error_count()} unreadable field(s)") from None
    customer = data.customer or _Customer()
    meta_plan = (data.metadata or {}).get("plan_id")
    default_status = {"subscription.canceled": "canceled", "subscription.revoked": "revoked"}.get(event_type, "active")
    return SubscriptionEvent(
        event_type=event_type,
        subscription_id=data.id,
        status=data.status or default_status,
        product_id=data.product_id,
        user_id=customer.external_id or None,
        customer_email=customer.email,
        metadata_plan_id=meta_plan if isinstance(meta_plan, str) else None,
        current_period_start=data.current_period_start,
        current_period_end=data.current_period_end,
    )


def plan_for(event: SubscriptionEvent, products: Mapping[str, PlanId]) -> PlanId:
    """The paid product's plan; the checkout's ``metadata.plan_id`` only for a product we do not
    know; free when neither names a plan."""
    if event.product_id is not None and event.product_id in products:
        return products[event.product_id]
    if is_plan_id(event.metadata_plan_id):
        return plan(event.metadata_plan_id or "").id
    return "free"


def decide(
    state: Account, event: SubscriptionEvent, products: Mapping[str, PlanId], delivery_id: str, now: datetime
) -> list[Event]:
    """The account events for one delivery: none when it was applied already or changes nothing."""
    if delivery_id in state.deliveries:
        return []
    current = state.subscription
    is_current = current is not None and current.subscription_id == event.subscription_id
    target = plan_for(event, products)
    events: list[Event] = []

    def move_to(plan_id: PlanId, reason: str) -> None:
        nonlocal state
        moved = change_plan(state, plan_id, now, reason=reason, source="polar", delivery_id=delivery_id)
        events.extend(moved)
        for moved_event in moved:
            state = state.apply(moved_event)

    if event.event_type in ("subscription.canceled", "subscription.revoked"):
        if current is not None and not is_current:
            return []  # an older subscription ended; the current one stands
        if state.plan_id != "free":
            move_to("free", event.event_type)
    elif event.event_type in ("subscription.created", "subscription.active"):
        already = is_current and current is not None and current.plan_id == target and state.plan_id == target
        if event.status in PAID_STATUSES and target != "free" and not already:
            move_to(target, event.event_type)
    elif event.event_type == "subscription.updated" and event.status in PAID_STATUSES and target != "free":
        if state.plan_id != target or not state.opened:
            move_to(target, event.event_type)
        elif is_current and current is not None and _new_period(current.current_period_start, event):
            events.append(_renewal(state, now))
    if not state.opened:
        return []  # nothing to record on an account this subscription never reached
    return [*events, _record(state, event, target, delivery_id, now)]


def _new_period(previous_start: datetime | None, event: SubscriptionEvent) -> bool:
    start = event.current_period_start
    return start is not None and previous_start is not None and start > previous_start


def _renewal(state: Account, now: datetime) -> QuotaReset:
    quota = plan(state.plan_id).token_quota
    return QuotaReset(
        user_id=state.user_id,
        plan_id=state.plan_id,
        quota_total=quota,
        quota_remaining=quota,
        previous_remaining=state.quota_remaining,
        resets_at=now + PERIOD,
        source="polar",
        occurred_at=now,
    )


def _record(state: Account, event: SubscriptionEvent, target: PlanId, delivery_id: str, now: datetime) -> Event:
    return SubscriptionRecorded(
        user_id=state.user_id,
        provider=PROVIDER,
        subscription_id=event.subscription_id,
        status=event.status,
        product_id=event.product_id,
        plan_id=target,
        current_period_start=event.current_period_start,
        current_period_end=event.current_period_end,
        customer_email=event.customer_email,
        event_type=event.event_type,
        delivery_id=delivery_id,
        occurred_at=now,
    )


def products_by_id(plan_products: Mapping[PlanId, str]) -> dict[str, PlanId]:
    return {product: plan_id for plan_id, product in plan_products.items()}


__all__ = ["HANDLED_TYPES", "SubscriptionEvent", "UnreadableEventError", "decide", "plan_for", "read_event"]
