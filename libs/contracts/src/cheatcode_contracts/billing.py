"""Billing: the Account aggregate's events and the commands the billing service answers.

Events live on ``cc.evt.account.<user_id>`` (aggregate kind ``account``; one account per user,
the reference's ``account_id`` is the user id). A user without events is the free plan with its
full quota; billing writes :class:`AccountOpened` before the first other event of an account so
that its quota period is a fact of the log, not of the moment somebody reads it.

* :class:`TokensCharged` — one per LLM call (the agent's ``UsageRecorded``), identity
  ``run_id`` + ``call_index`` (:func:`usage_key`). The account refuses a second charge of the
  same identity, so redelivery, restarts, replicas and replays never charge twice. The balance
  may go below zero for the call in flight (a charge is never dropped). BYOK calls are recorded
  with ``charged_tokens == 0`` and their estimated cost.
* :class:`PlanChanged`, :class:`QuotaReset`, :class:`SubscriptionRecorded` — plan and quota.
* :class:`ByokKeyStored`, :class:`ByokKeyRemoved` — the user's OpenRouter key: ciphertext and
  hash only; the data key that opens the ciphertext lives outside the log and is destroyed on
  removal (crypto-shredding).

Commands: :class:`CheckRunAllowed` (the gate before a run starts and before each LLM call),
:class:`GetAccountStatus`, :class:`ChangePlan`, :class:`ResetQuotas`, and the model price
cache (:class:`GetPriceCache`, :class:`WarmPriceCache`, :class:`ClearPriceCache`). Typed replies are
:data:`REPLIES`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from cheatcode_contracts.base import Command, CommandReply, Event
from cheatcode_contracts.billing_payments import (
    PAYMENT_REPLIES,
    RUN_LLM_KEY_COMMAND,
    ByokDenial,
    ByokKeyReply,
    CheckByokKey,
    CheckoutSession,
    CreateCheckout,
    GetByokKeyStatus,
    HandlePolarWebhook,
    RemoveByokKey,
    ResolveRunLlmKey,
    RunLlmKey,
    StoreByokKey,
    WebhookOutcome,
    WebhookOutcomeKind,
)
from cheatcode_contracts.billing_prices import (
    PRICE_REPLIES,
    ClearPriceCache,
    GetPriceCache,
    PriceCacheReport,
    WarmPriceCache,
)
from cheatcode_contracts.plans import START_MIN_TOKENS, PlanId
from cheatcode_contracts.subjects import aggregate_kind_filter, aggregate_subject

ACCOUNT = "account"
ACCOUNT_EVENTS_FILTER = aggregate_kind_filter(ACCOUNT)

PlanSource = Literal["system", "user", "polar", "admin"]


def account_subject(user_id: str) -> str:
    """``cc.evt.account.<user_id>``: every event of one user's billing account."""
    return aggregate_subject(ACCOUNT, user_id)


def usage_key(run_id: str, call_index: int) -> str:
    """The identity of one LLM call: what a charge is deduplicated on."""
    return f"{run_id}:{call_index}"


# ---------------------------------------------------------------------------- events


class _AccountEvent(Event):
    aggregate_kind: ClassVar[str] = ACCOUNT
    aggregate_field: ClassVar[str] = "user_id"

    user_id: str


class AccountOpened(_AccountEvent):
    """The first event of every account: the free plan, full quota, its first period."""

    type_name: ClassVar[str] = "account.opened"

    plan_id: PlanId = "free"
    quota_total: int
    quota_remaining: int
    resets_at: datetime


class TokensCharged(_AccountEvent):
    """One LLM call metered. ``charged_tokens`` is what left the balance (0 for byok)."""

    type_name: ClassVar[str] = "account.tokens_charged"

    run_id: str
    call_index: int = Field(ge=0)
    thread_id: str
    project_id: str
    model: str
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    total_tokens: int = Field(ge=0)
    charged_tokens: int = Field(ge=0)
    balance_after: int  # may be negative: the call in flight is charged in full
    estimated_cost_usd: float = Field(ge=0)
    byok: bool = False
    usage_estimated: bool = False  # the provider sent no usage; the agent estimated it
    plan_id: PlanId = "free"
    used_at: datetime  # when the LLM call was recorded (the UsageRecorded's occurred_at)

    @property
    def usage_key(self) -> str:
        return usage_key(self.run_id, self.call_index)


class PlanChanged(_AccountEvent):
    """The account moved to ``plan_id`` with this quota. ``delivery_id`` names the webhook
    delivery (or other outside message) that caused it, so that it is applied once."""

    type_name: ClassVar[str] = "account.plan_changed"

    plan_id: PlanId
    previous_plan_id: PlanId
    quota_total: int
    quota_remaining: int
    resets_at: datetime
    reason: str  # "upgrade", "downgrade", "subscription.created", "subscription.canceled", ...
    source: PlanSource = "system"
    delivery_id: str | None = None


class QuotaReset(_AccountEvent):
    """A new quota period: remaining back to the plan's quota."""

    type_name: ClassVar[str] = "account.quota_reset"

    plan_id: PlanId
    quota_total: int
    quota_remaining: int
    previous_remaining: int
    resets_at: datetime
    source: PlanSource = "system"


class SubscriptionRecorded(_AccountEvent):
    """A payment provider's subscription as last reported (created, updated, active, canceled...)."""

    type_name: ClassVar[str] = "account.subscription_recorded"

    provider: str  # "polar"
    subscription_id: str  # the provider's id
    status: str  # "active", "canceled", "revoked", ... as the provider says
    product_id: str | None = None
    plan_id: PlanId
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None
    customer_email: str | None = None
    event_type: str = ""  # the provider's event type, e.g. "subscription.created"
    delivery_id: str | None = None


class ByokKeyStored(_AccountEvent):
    """The user's own OpenRouter key, encrypted under a data key kept outside the log."""

    type_name: ClassVar[str] = "account.byok_key_stored"

    key_id: str  # also names the data key that opens ``ciphertext``
    key_hash: str  # SHA-256 hex of the raw key
    ciphertext: str  # base64; useless once the data key is destroyed
    display_name: str = "OpenRouter API Key"


class ByokKeyRemoved(_AccountEvent):
    type_name: ClassVar[str] = "account.byok_key_removed"

    key_id: str


# ---------------------------------------------------------------------------- replies


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True)


DenialReason = Literal["insufficient_credits", "model_not_allowed"]


class RunAllowance(_Reply):
    """The answer to :class:`CheckRunAllowed`. When refused, ``reason`` says why and the API
    builds its 402 / 403 from the other fields (reference §2.2)."""

    allowed: bool
    reason: DenialReason | None = None
    message: str = ""
    plan_id: PlanId
    plan_name: str
    byok: bool = False
    tokens_remaining: int
    credits_remaining: int
    credits_needed: int = 0
    allowed_models: list[str] = Field(default_factory=list)  # the plan's patterns (plans.model_allowed)
    denied_models: list[str] = Field(default_factory=list)

    def insufficient_credits_detail(self) -> dict[str, Any]:
        """The 402 ``detail`` object of reference §2.2."""
        return {
            "error": "insufficient_credits",
            "message": self.message,
            "credits_remaining": self.credits_remaining,
            "credits_needed": self.credits_needed,
            "current_plan": self.plan_name,
            "upgrade_required": True,
        }


class AccountSnapshot(_Reply):
    """The account as billing holds it (the API's read model shows the same numbers)."""

    user_id: str
    plan_id: PlanId
    plan_name: str
    tokens_total: int
    tokens_remaining: int
    credits_total: int
    credits_remaining: int
    quota_resets_at: datetime | None
    opened: bool  # False: never written, the defaults of a new free account
    subscription_status: str | None = None
    byok_key_id: str | None = None


class QuotaResetEntry(_Reply):
    user_id: str
    plan_id: PlanId
    previous_remaining: int
    quota_total: int
    resets_at: datetime


class QuotaResetReport(_Reply):
    reset_count: int
    reset_details: list[QuotaResetEntry]


# ---------------------------------------------------------------------------- commands


class CheckRunAllowed(Command):
    """May ``user_id`` run (or keep running) ``model``? Read-only; answered from the account.

    ``min_tokens`` is :data:`~cheatcode_contracts.plans.START_MIN_TOKENS` when a run starts and
    :data:`~cheatcode_contracts.plans.RUN_MIN_TOKENS` before each LLM call of a running run.
    ``model`` None skips the model check. A running run also sends its ``run_id`` and the
    tokens of each of its LLM calls so far (``run_usage``, by call index): the calls billing
    has not charged yet (their usage events are still on the way) count as spent, so a run's
    own last call is never missed by the check. Reply: :class:`RunAllowance`.
    """

    type_name: ClassVar[str] = "account.check_run_allowed"

    user_id: str
    model: str | None = None
    min_tokens: int = Field(default=START_MIN_TOKENS, ge=0)
    run_id: str | None = None
    run_usage: dict[int, int] = Field(default_factory=dict)


class GetAccountStatus(Command):
    """Reply: :class:`AccountSnapshot` (a user never seen: the free plan, full quota)."""

    type_name: ClassVar[str] = "account.get_status"

    user_id: str


class ChangePlan(Command):
    """Move an account to ``plan_id`` with the plan's full quota and a new 30-day period.

    For the downgrade to free and for trusted callers (a verified webhook, an admin); the HTTP
    ``upgrade-plan`` to a paid plan never sends this by itself. ``delivery_id`` makes an outside
    delivery apply once. Reply: :class:`AccountSnapshot`. Errors: ``invalid`` (unknown plan).
    """

    type_name: ClassVar[str] = "account.change_plan"

    user_id: str
    plan_id: str
    reason: str = "upgrade"
    source: PlanSource = "user"
    delivery_id: str | None = None


class ResetQuotas(Command):
    """Start a new quota period for every account whose period ended (``force``: every account;
    ``user_ids``: only those). Reply: :class:`QuotaResetReport`."""

    type_name: ClassVar[str] = "account.reset_quotas"

    user_ids: list[str] | None = None
    force: bool = False

    def reply_timeout(self, default: float) -> float:
        return max(default, 60.0)  # visits every account


REPLIES: dict[type[Command], type[BaseModel]] = {
    CheckRunAllowed: RunAllowance,
    GetAccountStatus: AccountSnapshot,
    ChangePlan: AccountSnapshot,
    ResetQuotas: QuotaResetReport,
    **PRICE_REPLIES,  # the model price cache (billing_prices.py)
    **PAYMENT_REPLIES,  # checkout, webhook and BYOK keys (billing_payments.py)
}

EVENTS: tuple[type[Event], ...] = (
    AccountOpened,
    TokensCharged,
    PlanChanged,
    QuotaReset,
    SubscriptionRecorded,
    ByokKeyStored,
    ByokKeyRemoved,
)
COMMANDS: tuple[type[Command], ...] = tuple(REPLIES)


def reply_result(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def parse_reply(command: type[Command] | Command, reply: CommandReply) -> Any:
    model = command if isinstance(command, type) else type(command)
    if not reply.ok:
        raise ValueError(f"{model.type_name} failed: {reply.error}")
    return REPLIES[model].model_validate(reply.result)


__all__ = [
    "ACCOUNT",
    "ACCOUNT_EVENTS_FILTER",
    "COMMANDS",
    "EVENTS",
    "REPLIES",
    "RUN_LLM_KEY_COMMAND",
    "AccountOpened",
    "AccountSnapshot",
    "ByokDenial",
    "ByokKeyRemoved",
    "ByokKeyReply",
    "ByokKeyStored",
    "ChangePlan",
    "CheckByokKey",
    "CheckRunAllowed",
    "CheckoutSession",
    "ClearPriceCache",
    "CreateCheckout",
    "DenialReason",
    "GetAccountStatus",
    "GetByokKeyStatus",
    "GetPriceCache",
    "HandlePolarWebhook",
    "PlanChanged",
    "PlanSource",
    "PriceCacheReport",
    "QuotaReset",
    "QuotaResetEntry",
    "QuotaResetReport",
    "RemoveByokKey",
    "ResetQuotas",
    "ResolveRunLlmKey",
    "RunAllowance",
    "RunLlmKey",
    "StoreByokKey",
    "SubscriptionRecorded",
    "TokensCharged",
    "WarmPriceCache",
    "WebhookOutcome",
    "WebhookOutcomeKind",
    "account_subject",
    "parse_reply",
    "reply_result",
    "usage_key",
]
