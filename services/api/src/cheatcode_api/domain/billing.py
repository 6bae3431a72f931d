"""Billing read-model rows and their HTTP shapes (reference §12.3, §12.6).

A user without a row has never been written by billing: the free plan with its full quota
and a period ending 30 days from now. A period that has ended reads as renewed (billing
writes the reset with its next decision), the same rule as billing's own ``effective``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cheatcode_contracts.plans import DEFAULT_PLAN, PLAN_IDS, PLANS, QUOTA_PERIOD_DAYS, Plan, credits, is_plan_id

PERIOD = timedelta(days=QUOTA_PERIOD_DAYS)


@dataclass(frozen=True)
class AccountRow:
    user_id: str
    plan_id: str
    quota_total: int
    quota_remaining: int
    resets_at: datetime
    subscription_provider: str | None = None
    subscription_id: str | None = None
    subscription_status: str | None = None
    subscription_product_id: str | None = None
    subscription_period_start: datetime | None = None
    subscription_period_end: datetime | None = None
    byok_key_id: str | None = None
    byok_display_name: str | None = None
    byok_created_at: datetime | None = None


@dataclass(frozen=True)
class UsageRow:
    run_id: str
    call_index: int
    user_id: str
    thread_id: str
    project_id: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    charged_tokens: int
    balance_after: int
    estimated_cost: float
    byok: bool
    used_at: datetime


def plan_of(row: AccountRow | None) -> Plan:
    plan_id = row.plan_id if row is not None and is_plan_id(row.plan_id) else DEFAULT_PLAN
    return PLANS[plan_id]  # type: ignore[index]


def current(row: AccountRow | None, user_id: str, now: datetime) -> AccountRow:
    """The account as it reads at ``now``: the default for a user never written, a renewed
    quota for a period that has ended."""
    if row is None:
        quota = PLANS[DEFAULT_PLAN].token_quota
        return AccountRow(user_id, DEFAULT_PLAN, quota, quota, now + PERIOD)
    if now < row.resets_at:
        return row
    quota = plan_of(row).token_quota
    periods = (now - row.resets_at) // PERIOD + 1
    return AccountRow(**{**row.__dict__, "quota_total": quota, "quota_remaining": quota,
                         "resets_at": row.resets_at + periods * PERIOD})  # fmt: skip


def status_body(row: AccountRow | None, user_id: str, now: datetime, *, deployments_used: int) -> dict[str, Any]:
    """``GET /billing/status`` and ``/billing/subscription``, exactly the keys of §12.3."""
    shown = current(row, user_id, now)
    plan = plan_of(shown)
    unlimited = plan.unlimited
    return {
        "account_id": user_id,
        "plan_id": plan.id,
        "plan_name": plan.name,
        "price_inr": plan.price_inr,
        "price_usd": plan.price_usd,
        "tokens_total": shown.quota_total,
        "tokens_remaining": shown.quota_remaining,
        "credits_total": -1 if unlimited else credits(shown.quota_total),
        "credits_remaining": -1 if unlimited else credits(shown.quota_remaining),
        "quota_resets_at": shown.resets_at.isoformat(),
        "subscription_status": "active",  # the plan shown is the one in force (the reference's constant)
        "features": list(plan.features),
        "deployments_used": deployments_used,
        "deployments_total": plan.max_deployments,
    }


def usage_entry(row: UsageRow) -> dict[str, Any]:
    return {
        "id": f"{row.run_id}:{row.call_index}",
        "thread_id": row.thread_id,
        "message_id": None,  # calls are identified by run and call index; no message row per call
        "run_id": row.run_id,
        "model": row.model,
        "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens,
        "total_tokens": row.total_tokens,
        "credits_used": row.charged_tokens // 5000 if row.charged_tokens > 0 else 0,
        "tokens_remaining_after": row.balance_after,
        "estimated_cost": row.estimated_cost,
        "is_byok": row.byok,
        "created_at": row.used_at.isoformat(),
        "project_id": row.project_id,
    }


def usage_history_body(user_id: str, rows: list[UsageRow]) -> dict[str, Any]:
    entries = [usage_entry(row) for row in rows]
    return {
        "account_id": user_id,
        "usage_entries": entries,
        "total_tokens_used": sum(row.total_tokens for row in rows),
        "total_credits_used": sum(entry["credits_used"] for entry in entries),
    }


def plans_body(row: AccountRow | None) -> dict[str, Any]:
    """``GET /billing/plans``: the plan objects (no ``id``) in the order free, pro, premium, byok."""
    return {"plans": [PLANS[plan_id].public() for plan_id in PLAN_IDS], "current_plan": plan_of(row).id}


def quota_status_entry(row: AccountRow, now: datetime) -> dict[str, Any]:
    plan = plan_of(row)
    unlimited = plan.unlimited
    return {
        "id": row.user_id,
        "plan_id": plan.id,
        "token_quota_total": row.quota_total,
        "token_quota_remaining": row.quota_remaining,
        "quota_resets_at": row.resets_at.isoformat(),
        "credits_total": -1 if unlimited else credits(row.quota_total),
        "credits_remaining": -1 if unlimited else credits(row.quota_remaining),
        "plan_name": plan.name,
        "needs_reset": now >= row.resets_at,
    }
