"""Checkout, plan changes and the Polar webhook (reference §12.3, §13), answered by billing.

No plan without payment: ``upgrade-plan`` to a paid plan only opens a Polar checkout (402 with
its URL); the plan starts when billing applies the verified webhook. To free it downgrades at
once (and is a no-op for an account already on free: no quota refill by request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cheatcode_api.handlers.deps import HandlerDeps
from cheatcode_contracts.billing import (
    AccountSnapshot,
    ChangePlan,
    CheckoutSession,
    CreateCheckout,
    GetAccountStatus,
    HandlePolarWebhook,
    WebhookOutcome,
)
from cheatcode_contracts.plans import Plan, is_plan_id, plan

PROJECTION = "billing"
INVALID_PLAN = "Invalid plan ID"


class InvalidPlanError(Exception):
    pass


@dataclass(frozen=True)
class PaymentRequired(Exception):
    """A paid plan needs a payment first: the 402 ``detail`` object."""

    detail: dict[str, Any]


def paid_or_free(plan_id: str) -> Plan:
    if not is_plan_id(plan_id):
        raise InvalidPlanError(INVALID_PLAN)
    return plan(plan_id)


async def _checkout(deps: HandlerDeps, user_id: str, email: str | None, spec: Plan, success_url: str | None) -> str:
    command = CreateCheckout(user_id=user_id, plan_id=spec.id, customer_email=email, success_url=success_url)
    session = await deps.commands.ask(command, CheckoutSession)
    return session.checkout_url


async def create_checkout_session(
    deps: HandlerDeps, user_id: str, email: str | None, plan_id: str, success_url: str | None
) -> dict[str, Any]:
    spec = paid_or_free(plan_id)
    if spec.id == "free":
        return {"checkout_url": None, "success": True, "message": "Free plan activated successfully",
                "plan_details": spec.public()}  # fmt: skip
    url = await _checkout(deps, user_id, email, spec, success_url)
    return {"checkout_url": url, "success": True, "message": "Checkout session created successfully",
            "plan_details": spec.public()}  # fmt: skip


async def upgrade_plan(deps: HandlerDeps, user_id: str, email: str | None, new_plan_id: str) -> dict[str, Any]:
    spec = paid_or_free(new_plan_id)
    if spec.id != "free":
        url = await _checkout(deps, user_id, email, spec, None)
        message = f"Payment is required for the {spec.name} plan: complete the checkout to activate it."
        raise PaymentRequired({"message": message, "plan_id": spec.id, "checkout_url": url})
    current = await deps.commands.ask(GetAccountStatus(user_id=user_id), AccountSnapshot)
    if current.plan_id == "free":
        snapshot = current
    else:
        reply = await deps.commands.send(ChangePlan(user_id=user_id, plan_id="free", reason="downgrade", source="user"))
        await deps.waiter.wait_for(PROJECTION, reply.position)
        snapshot = AccountSnapshot.model_validate(reply.result)
    reset = snapshot.quota_resets_at.isoformat() if snapshot.quota_resets_at else None
    return {"success": True, "message": "Successfully changed to Free plan", "new_plan": spec.public(),
            "quota_reset_date": reset}  # fmt: skip


async def polar_webhook(
    deps: HandlerDeps, body: str, webhook_id: str, timestamp: str, signature: str
) -> WebhookOutcome:
    """Forward the delivery as received; billing alone holds the secret and verifies it."""
    command = HandlePolarWebhook(body=body, webhook_id=webhook_id, webhook_timestamp=timestamp,
                                 webhook_signature=signature)  # fmt: skip
    reply = await deps.commands.send(command)
    outcome = WebhookOutcome.model_validate(reply.result)
    if outcome.verified:
        await deps.waiter.wait_for(PROJECTION, reply.position)
    return outcome
