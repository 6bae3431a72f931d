"""Polar checkout and the Polar webhook (reference §13): no paid plan without a verified payment."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from cheatcode_billing.domain import subscriptions
from cheatcode_billing.domain.account import Account
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_billing.ports.payments import (
    CheckoutProvider,
    InvalidWebhookError,
    PaymentProviderUnavailableError,
    WebhookVerifier,
)
from cheatcode_contracts import CommandReply, Event
from cheatcode_contracts.billing import (
    CheckoutSession,
    CreateCheckout,
    HandlePolarWebhook,
    WebhookOutcome,
    reply_result,
)
from cheatcode_contracts.plans import PlanId, is_plan_id, plan
from cheatcode_runtime.errors import Invalid, Unavailable

log = logging.getLogger("cheatcode.billing.payments")

PAYMENTS_UNAVAILABLE = "Payment processing is currently unavailable. Please try again later."
WEBHOOKS_UNAVAILABLE = "Polar webhooks are not configured on this server"


@dataclass
class PaymentDeps:
    billing: BillingDeps
    checkouts: CheckoutProvider | None  # None: POLAR_ACCESS_TOKEN is not set
    verifier: WebhookVerifier | None  # None: POLAR_WEBHOOK_SECRET is not set
    plan_products: Mapping[PlanId, str]
    success_url: str
    products: dict[str, PlanId] = field(init=False)

    def __post_init__(self) -> None:
        self.products = subscriptions.products_by_id(self.plan_products)


def usable_email(email: str | None) -> str | None:
    """The reference's email rule: an address with ``@``, not one of its placeholders. Anything
    else is left out, and Polar asks the customer on its page."""
    if not email or "@" not in email:
        return None
    lowered = email.lower()
    return None if "placeholder" in lowered or "missing_email" in lowered else email


async def create_checkout(command: CreateCheckout, deps: PaymentDeps) -> CommandReply:
    if not is_plan_id(command.plan_id) or command.plan_id == "free":
        raise Invalid("Invalid plan ID")
    plan_id = plan(command.plan_id).id
    if deps.checkouts is None:
        raise Unavailable(PAYMENTS_UNAVAILABLE)
    product_id = deps.plan_products.get(plan_id)
    if product_id is None:
        log.error("no Polar product configured for plan %s (POLAR_PRODUCT_ID_%s)", plan_id, plan_id.upper())
        raise Unavailable(PAYMENTS_UNAVAILABLE)
    try:
        link = await deps.checkouts.create_checkout(
            product_id=product_id,
            external_customer_id=command.user_id,
            customer_email=usable_email(command.customer_email),
            success_url=command.success_url or deps.success_url,
            metadata={"account_id": command.user_id, "plan_id": plan_id, "source": "cheatcode"},
        )
    except PaymentProviderUnavailableError:
        raise Unavailable(PAYMENTS_UNAVAILABLE) from None
    session = CheckoutSession(checkout_url=link.url, checkout_id=link.checkout_id, plan_id=plan_id)
    return CommandReply.success(0, **reply_result(session))


async def handle_webhook(command: HandlePolarWebhook, deps: PaymentDeps) -> CommandReply:
    if deps.verifier is None:
        log.error("a Polar webhook arrived but POLAR_WEBHOOK_SECRET is not set")
        raise Unavailable(WEBHOOKS_UNAVAILABLE)
    headers = {
        "webhook-id": command.webhook_id,
        "webhook-timestamp": command.webhook_timestamp,
        "webhook-signature": command.webhook_signature,
    }
    try:
        payload = deps.verifier.verify(command.body, headers)
    except InvalidWebhookError as error:
        log.warning("Polar webhook %r refused: %s", command.webhook_id[:64], error)
        return _outcome(0, WebhookOutcome(verified=False, outcome="rejected", detail="Invalid signature"))
    event_type = payload.get("type") if isinstance(payload.get("type"), str) else None
    try:
        event = subscriptions.read_event(payload)
    except subscriptions.UnreadableEventError as error:
        log.warning("Polar webhook %s ignored: %s", command.webhook_id, error)
        return _outcome(0, WebhookOutcome(verified=True, outcome="ignored", event_type=event_type, detail=str(error)))
    if event is None or event.user_id is None:
        log.info(
            "Polar webhook %s (%s) ignored: not a subscription event of an account", command.webhook_id, event_type
        )
        return _outcome(0, WebhookOutcome(verified=True, outcome="ignored", event_type=event_type))
    delivery_id = f"polar:{command.webhook_id}"
    now = deps.billing.clock()

    def decide(state: Account) -> list[Event]:
        return subscriptions.decide(state, event, deps.products, delivery_id, now)

    written = await deps.billing.ledger.update(event.user_id, decide, key=f"polar-webhook:{command.webhook_id}")
    if written.events:
        outcome = "applied"
    elif delivery_id in written.loaded.state.deliveries:
        outcome = "duplicate"
    else:
        outcome = "ignored"
    log.info("Polar webhook %s (%s) for %s: %s", command.webhook_id, event.event_type, event.user_id, outcome)
    result = WebhookOutcome(verified=True, outcome=outcome, event_type=event.event_type, user_id=event.user_id)
    return _outcome(written.position, result)


def _outcome(position: int, outcome: WebhookOutcome) -> CommandReply:
    return CommandReply.success(position, **reply_result(outcome))
