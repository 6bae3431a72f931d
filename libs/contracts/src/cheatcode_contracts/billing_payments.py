"""Billing's payment and BYOK-key contracts: Polar checkout and webhook, the user's own OpenRouter key.

Answered by services/billing (handlers/payments.py, handlers/byok.py); :mod:`cheatcode_contracts.billing`
re-exports them with the account contracts. Secrets travel as ``SecretStr``: their repr is masked,
so a logged command or reply never shows them; only the wire encoding carries the value.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_serializer

from cheatcode_contracts.base import Command
from cheatcode_contracts.plans import PlanId


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True)


def _reveal(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


class CheckoutSession(_Reply):
    checkout_url: str
    checkout_id: str
    plan_id: PlanId


class CreateCheckout(Command):
    """Open a Polar checkout for ``plan_id`` (a paid plan) for ``user_id`` (Polar's customer
    external id). Reply: :class:`CheckoutSession`. Errors: ``invalid`` (free or unknown plan),
    ``unavailable`` (Polar not configured or unreachable)."""

    type_name: ClassVar[str] = "account.create_checkout"

    user_id: str
    plan_id: str
    customer_email: str | None = None
    success_url: str | None = None

    def reply_timeout(self, default: float) -> float:
        return max(default, 20.0)  # a call to Polar


WebhookOutcomeKind = Literal["applied", "duplicate", "ignored", "rejected"]


class WebhookOutcome(_Reply):
    """``verified`` False: a bad or stale signature (the API answers 403); nothing changed."""

    verified: bool
    outcome: WebhookOutcomeKind
    event_type: str | None = None
    user_id: str | None = None
    detail: str = ""


class HandlePolarWebhook(Command):
    """A Polar webhook delivery as received: the raw body and its Standard Webhooks headers.
    Billing verifies the signature (it alone holds the secret) and applies a subscription event
    once per ``webhook_id``. Reply: :class:`WebhookOutcome`."""

    type_name: ClassVar[str] = "account.polar_webhook"

    body: str
    webhook_id: str
    webhook_timestamp: str
    webhook_signature: str


ByokDenial = Literal["plan", "format", "validation"]


class ByokKeyReply(_Reply):
    """The answer of every BYOK key command. ``allowed`` False: refused, ``denial`` says why
    (``plan``: not on the byok plan, the API answers 403; ``format``/``validation``: 400)."""

    allowed: bool
    denial: ByokDenial | None = None
    message: str = ""
    plan_id: PlanId
    key_id: str | None = None
    has_key: bool = False
    key_configured: bool = False
    display_name: str | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    test_success: bool | None = None
    test_error: str | None = None


class StoreByokKey(Command):
    """Test, encrypt and store the user's OpenRouter key (replacing and destroying any earlier one)."""

    type_name: ClassVar[str] = "account.store_byok_key"

    user_id: str
    api_key: SecretStr
    display_name: str = "OpenRouter API Key"

    @field_serializer("api_key", when_used="json")
    def _wire_key(self, value: SecretStr) -> str | None:
        return _reveal(value)

    def reply_timeout(self, default: float) -> float:
        return max(default, 20.0)  # a live test against OpenRouter


class CheckByokKey(Command):
    """Check a key against OpenRouter's ``GET /auth/key``; nothing is stored."""

    type_name: ClassVar[str] = "account.test_byok_key"

    user_id: str
    api_key: SecretStr

    @field_serializer("api_key", when_used="json")
    def _wire_key(self, value: SecretStr) -> str | None:
        return _reveal(value)

    def reply_timeout(self, default: float) -> float:
        return max(default, 20.0)


class RemoveByokKey(Command):
    """Destroy the key's data key first (crypto-shredding), then record the removal."""

    type_name: ClassVar[str] = "account.remove_byok_key"

    user_id: str


class GetByokKeyStatus(Command):
    type_name: ClassVar[str] = "account.get_byok_key_status"

    user_id: str


class RunLlmKey(_Reply):
    """The key a run's LLM calls use: the user's own (byok plan with a stored key) or None for
    the system key. Only the agent may ask (NATS permissions)."""

    byok: bool
    api_key: SecretStr | None = None
    key_id: str | None = None

    @field_serializer("api_key", when_used="json")
    def _wire_key(self, value: SecretStr | None) -> str | None:
        return _reveal(value)


class ResolveRunLlmKey(Command):
    """Which OpenRouter key a run of ``user_id`` uses. Reply: :class:`RunLlmKey`."""

    type_name: ClassVar[str] = "account.resolve_run_llm_key"

    user_id: str
    run_id: str | None = None


RUN_LLM_KEY_COMMAND = ResolveRunLlmKey  # agent-only: the API's NATS user may not publish it

PAYMENT_REPLIES: dict[type[Command], type[BaseModel]] = {
    CreateCheckout: CheckoutSession,
    HandlePolarWebhook: WebhookOutcome,
    StoreByokKey: ByokKeyReply,
    CheckByokKey: ByokKeyReply,
    RemoveByokKey: ByokKeyReply,
    GetByokKeyStatus: ByokKeyReply,
    ResolveRunLlmKey: RunLlmKey,
}
