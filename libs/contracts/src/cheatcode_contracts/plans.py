"""Billing plans as data (reference §12.1, the newer constants) and the token/credit rules.

Every service that needs to know what a plan allows reads it here: billing decides with it,
the API shows it (``GET /api/billing/plans``), the agent never needs it (it asks billing).

* 1 credit = :data:`TOKENS_PER_CREDIT` tokens; credits shown are ``tokens // 5000`` (0 when ≤ 0).
* ``token_quota == UNLIMITED`` (-1): the byok plan, never charged, credits shown as -1.
* A run may start with at least :data:`START_MIN_TOKENS` left and may continue (its next LLM
  call) with at least :data:`RUN_MIN_TOKENS` left; byok is exempt from both.
* Model access: a plan lists fnmatch patterns over the *short* model id (the part after
  ``openrouter/`` and ``provider/``, lower-cased); a model is allowed when it matches one of
  ``allowed_models`` and none of ``denied_models``. The reference names no per-plan model list,
  so the rule chosen here keeps the free plan off the premium tier (Claude Opus, the o1/o3 and
  GPT "pro" models) and lets every paid plan use everything.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Literal

from pydantic import BaseModel, ConfigDict

PlanId = Literal["free", "pro", "premium", "byok"]
PLAN_IDS: tuple[PlanId, ...] = ("free", "pro", "premium", "byok")  # the order of GET /plans
DEFAULT_PLAN: PlanId = "free"

TOKENS_PER_CREDIT = 5000
START_MIN_TOKENS = 5000  # TOKENS_PER_CONVERSATION_ESTIMATE: a run may start with this many left
RUN_MIN_TOKENS = 1000  # check_billing_status: a run may make its next LLM call with this many left
UNLIMITED = -1
QUOTA_PERIOD_DAYS = 30


class Plan(BaseModel):
    """One plan. ``public()`` is the object the HTTP API shows (the reference's, without an ``id``)."""

    model_config = ConfigDict(frozen=True)

    id: PlanId
    name: str
    price_usd: int  # cents
    price_inr: int  # paisa
    token_quota: int  # UNLIMITED (-1) = never charged
    display_credits: int
    max_deployments: int
    features: tuple[str, ...]
    description: str
    allowed_models: tuple[str, ...] = ("*",)
    denied_models: tuple[str, ...] = ()
    daily_refills_max: int = 0
    credits_per_refill: int = 0
    billing_period: Literal["month", "year"] = "month"

    @property
    def unlimited(self) -> bool:
        return self.token_quota == UNLIMITED

    def public(self) -> dict[str, object]:
        """The plan object of ``/api/billing/plans`` and ``plan_details`` (no ``id`` key, as in §12.3)."""
        body: dict[str, object] = {
            "name": self.name,
            "price_usd": self.price_usd,
            "price_inr": self.price_inr,
            "token_quota": self.token_quota,
            "display_credits": self.display_credits,
            "max_deployments": self.max_deployments,
            "features": list(self.features),
            "description": self.description,
        }
        if self.daily_refills_max:
            body["daily_refills_max"] = self.daily_refills_max
            body["credits_per_refill"] = self.credits_per_refill
        return body


PREMIUM_TIER_MODELS: tuple[str, ...] = ("claude-opus-*", "o1-pro*", "o3-pro*", "gpt-*-pro")

PLANS: dict[PlanId, Plan] = {
    "free": Plan(
        id="free",
        name="Free",
        price_usd=0,
        price_inr=0,
        token_quota=100_000,
        display_credits=20,
        max_deployments=1,
        features=("5 credits daily (up to 20/month)", "1 deployment", "Standard models", "Community support"),
        description="Try Cheatcode: build and preview small apps.",
        denied_models=PREMIUM_TIER_MODELS,
        daily_refills_max=4,
        credits_per_refill=5,
    ),
    "pro": Plan(
        id="pro",
        name="Pro",
        price_usd=1800,
        price_inr=149_900,
        token_quota=750_000,
        display_credits=150,
        max_deployments=10,
        features=("150 credits per month", "10 deployments", "All models", "Priority support"),
        description="For builders shipping apps every week.",
    ),
    "premium": Plan(
        id="premium",
        name="Premium",
        price_usd=3000,
        price_inr=259_900,
        token_quota=1_250_000,
        display_credits=250,
        max_deployments=25,
        features=("250 credits per month", "25 deployments", "All models", "Highest run priority"),
        description="For teams and heavy daily use.",
    ),
    "byok": Plan(
        id="byok",
        name="BYOK",
        price_usd=10_800,
        price_inr=1_299_500,
        token_quota=UNLIMITED,
        display_credits=UNLIMITED,
        max_deployments=100,
        features=(
            "Bring your own OpenRouter key",
            "Unlimited usage on your key",
            "100 deployments",
            "All models",
            "$9/month billed annually",
        ),
        description="Use your own OpenRouter API key: $9/month billed annually.",
        billing_period="year",
    ),
}


def plan(plan_id: str) -> Plan:
    """The plan ``plan_id`` names; raises ``KeyError`` for an unknown id."""
    return PLANS[plan_id]  # type: ignore[index]


def is_plan_id(value: object) -> bool:
    return isinstance(value, str) and value in PLANS


def credits(tokens: int) -> int:
    """Credits shown for ``tokens``: ``tokens // 5000``, 0 when tokens ≤ 0 (a negative balance shows 0)."""
    return tokens // TOKENS_PER_CREDIT if tokens > 0 else 0


def short_model_id(model: str) -> str:
    """``openrouter/anthropic/claude-opus-4.5`` → ``claude-opus-4.5`` (the catalog's ``id``)."""
    name = model.strip().lower()
    if name.startswith("openrouter/"):
        name = name[len("openrouter/") :]
    return name.rsplit("/", 1)[-1]


def model_allowed(plan_: Plan, model: str) -> bool:
    """Whether ``plan_`` may run ``model`` (a short id, a provider/id or an openrouter/... id)."""
    short = short_model_id(model)
    if any(fnmatchcase(short, pattern) for pattern in plan_.denied_models):
        return False
    return any(fnmatchcase(short, pattern) for pattern in plan_.allowed_models)


__all__ = [
    "DEFAULT_PLAN",
    "PLANS",
    "PLAN_IDS",
    "PREMIUM_TIER_MODELS",
    "QUOTA_PERIOD_DAYS",
    "RUN_MIN_TOKENS",
    "START_MIN_TOKENS",
    "TOKENS_PER_CREDIT",
    "UNLIMITED",
    "Plan",
    "PlanId",
    "credits",
    "is_plan_id",
    "model_allowed",
    "plan",
    "short_model_id",
]
