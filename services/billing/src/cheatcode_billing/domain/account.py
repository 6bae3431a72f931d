"""The Account aggregate: a user's plan, quota, charged LLM calls, subscription and BYOK key.

Pure: the state is folded from the account's events, and every decision is a function from a
state (and the inputs of the decision, including ``now``) to the events to append.

* A user never seen is the free plan with its full quota (``opened`` False); the first decision
  that writes anything writes :class:`AccountOpened` first, fixing the first quota period.
* A charge is refused only when its call (``run_id`` + ``call_index``) was charged already:
  never because the balance is short — the balance may go below zero for the call in flight.
* A period that has ended is renewed (``QuotaReset``) by the next decision that writes; until
  then :func:`effective` shows the renewed quota, so no read depends on when somebody wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from cheatcode_billing.domain.charges import ChargedCalls
from cheatcode_contracts import Event
from cheatcode_contracts.billing import (
    AccountOpened,
    AccountSnapshot,
    ByokKeyRemoved,
    ByokKeyStored,
    PlanChanged,
    PlanSource,
    QuotaReset,
    QuotaResetEntry,
    RunAllowance,
    SubscriptionRecorded,
    TokensCharged,
    usage_key,
)
from cheatcode_contracts.plans import DEFAULT_PLAN, PLANS, QUOTA_PERIOD_DAYS, PlanId, credits, model_allowed, plan
from cheatcode_contracts.runs import UsageRecorded

PERIOD = timedelta(days=QUOTA_PERIOD_DAYS)


@dataclass(frozen=True)
class ByokKey:
    key_id: str
    key_hash: str
    ciphertext: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class Subscription:
    provider: str
    subscription_id: str
    status: str
    product_id: str | None
    plan_id: PlanId
    current_period_start: datetime | None
    current_period_end: datetime | None


@dataclass(frozen=True)
class Account:
    user_id: str
    opened: bool = False
    plan_id: PlanId = DEFAULT_PLAN
    quota_total: int = PLANS[DEFAULT_PLAN].token_quota
    quota_remaining: int = PLANS[DEFAULT_PLAN].token_quota
    resets_at: datetime | None = None  # None until opened
    charged: ChargedCalls = field(default_factory=ChargedCalls)
    deliveries: frozenset[str] = frozenset()  # outside deliveries (webhooks) already applied
    subscription: Subscription | None = None
    byok_key: ByokKey | None = None

    @property
    def unlimited(self) -> bool:
        return plan(self.plan_id).unlimited

    def apply(self, event: Event) -> Account:
        if isinstance(event, AccountOpened):
            return replace(
                self,
                opened=True,
                plan_id=event.plan_id,
                quota_total=event.quota_total,
                quota_remaining=event.quota_remaining,
                resets_at=event.resets_at,
            )
        if isinstance(event, TokensCharged):
            return replace(self, quota_remaining=event.balance_after, charged=self.charged.add(event.usage_key))
        if isinstance(event, PlanChanged):
            return replace(
                self,
                opened=True,
                plan_id=event.plan_id,
                quota_total=event.quota_total,
                quota_remaining=event.quota_remaining,
                resets_at=event.resets_at,
                deliveries=_with(self.deliveries, event.delivery_id),
            )
        if isinstance(event, QuotaReset):
            return replace(
                self, quota_total=event.quota_total, quota_remaining=event.quota_remaining, resets_at=event.resets_at
            )
        if isinstance(event, SubscriptionRecorded):
            subscription = Subscription(
                provider=event.provider,
                subscription_id=event.subscription_id,
                status=event.status,
                product_id=event.product_id,
                plan_id=event.plan_id,
                current_period_start=event.current_period_start,
                current_period_end=event.current_period_end,
            )
            return replace(self, subscription=subscription, deliveries=_with(self.deliveries, event.delivery_id))
        if isinstance(event, ByokKeyStored):
            key = ByokKey(event.key_id, event.key_hash, event.ciphertext, event.display_name, event.occurred_at)
            return replace(self, byok_key=key)
        if isinstance(event, ByokKeyRemoved) and self.byok_key is not None and self.byok_key.key_id == event.key_id:
            return replace(self, byok_key=None)
        return self


def _with(seen: frozenset[str], delivery_id: str | None) -> frozenset[str]:
    return seen if delivery_id is None else seen | {delivery_id}


def new_account(user_id: str) -> Account:
    return Account(user_id=user_id)


def fold(user_id: str, events: Iterable[Event]) -> Account:
    state = new_account(user_id)
    for event in events:
        state = state.apply(event)
    return state


# ---------------------------------------------------------------------------- reading


def period_over(state: Account, now: datetime) -> bool:
    return state.resets_at is not None and now >= state.resets_at


def effective(state: Account, now: datetime) -> Account:
    """The account as a read shows it at ``now``: an ended period is already renewed."""
    if not period_over(state, now):
        return state
    quota = plan(state.plan_id).token_quota
    return replace(state, quota_total=quota, quota_remaining=quota, resets_at=_next_reset(state.resets_at, now))


def _next_reset(resets_at: datetime | None, now: datetime) -> datetime:
    """The end of the period that contains ``now``, continuing the account's 30-day rhythm."""
    if resets_at is None:
        return now + PERIOD
    periods = (now - resets_at) // PERIOD + 1 if now >= resets_at else 0
    return resets_at + periods * PERIOD


def snapshot(state: Account, now: datetime) -> AccountSnapshot:
    shown = effective(state, now)
    spec = plan(shown.plan_id)
    unlimited = spec.unlimited
    return AccountSnapshot(
        user_id=shown.user_id,
        plan_id=shown.plan_id,
        plan_name=spec.name,
        tokens_total=shown.quota_total,
        tokens_remaining=shown.quota_remaining,
        credits_total=-1 if unlimited else credits(shown.quota_total),
        credits_remaining=-1 if unlimited else credits(shown.quota_remaining),
        quota_resets_at=shown.resets_at if shown.opened else now + PERIOD,
        opened=shown.opened,
        subscription_status=shown.subscription.status if shown.subscription else None,
        byok_key_id=shown.byok_key.key_id if shown.byok_key else None,
    )


def uncharged(state: Account, run_id: str | None, run_usage: dict[int, int]) -> int:
    """Tokens of ``run_id``'s calls that this account has not been charged for yet."""
    if run_id is None:
        return 0
    return sum(tokens for index, tokens in run_usage.items() if usage_key(run_id, index) not in state.charged)


def check_run(
    state: Account,
    model: str | None,
    min_tokens: int,
    now: datetime,
    *,
    run_id: str | None = None,
    run_usage: dict[int, int] | None = None,
) -> RunAllowance:
    """May this account start (or continue) a run on ``model``? The model rule first (403
    beats 402 in the reference's ``initiate``), then the balance, less the run's own calls
    not charged yet; byok has no balance."""
    shown = effective(state, now)
    spec = plan(shown.plan_id)
    remaining = shown.quota_remaining - uncharged(state, run_id, run_usage or {})
    base = {
        "plan_id": spec.id,
        "plan_name": spec.name,
        "byok": spec.unlimited,
        "tokens_remaining": remaining,
        "credits_remaining": -1 if spec.unlimited else credits(remaining),
        "allowed_models": list(spec.allowed_models),
        "denied_models": list(spec.denied_models),
    }
    if model is not None and not model_allowed(spec, model):
        message = f"Your {spec.name} plan does not include the model {model}. Upgrade your plan to use it."
        return RunAllowance(allowed=False, reason="model_not_allowed", message=message, **base)
    if not spec.unlimited and remaining < min_tokens:
        needed = max(1, credits(min_tokens))
        message = (
            f"Insufficient credits to start conversation. You have {credits(remaining)} credits remaining, "
            f"but need at least {needed} credits."
        )
        return RunAllowance(
            allowed=False, reason="insufficient_credits", message=message, credits_needed=needed, **base
        )
    return RunAllowance(allowed=True, **base)


# ---------------------------------------------------------------------------- deciding


def _prelude(state: Account, now: datetime, source: PlanSource = "system") -> tuple[Account, list[Event]]:
    """Events every writing decision starts with: open a new account, renew an ended period."""
    events: list[Event] = []
    if not state.opened:
        quota = plan(state.plan_id).token_quota
        events.append(AccountOpened(user_id=state.user_id, quota_total=quota, quota_remaining=quota,
                                    resets_at=now + PERIOD, occurred_at=now))  # fmt: skip
    elif period_over(state, now):
        renewed = effective(state, now)
        events.append(
            QuotaReset(
                user_id=state.user_id,
                plan_id=state.plan_id,
                quota_total=renewed.quota_total,
                quota_remaining=renewed.quota_remaining,
                previous_remaining=state.quota_remaining,
                resets_at=renewed.resets_at or now + PERIOD,
                source=source,
                occurred_at=now,
            )
        )
    for event in events:
        state = state.apply(event)
    return state, events


def charge(state: Account, usage: UsageRecorded, cost_usd: float, now: datetime) -> list[Event]:
    """The events that meter one LLM call: none when this call was charged already."""
    if usage_key(usage.run_id, usage.call_index) in state.charged:
        return []
    state, events = _prelude(state, now)
    total = usage.prompt_tokens + usage.completion_tokens
    unlimited = state.unlimited
    charged = 0 if unlimited else total
    events.append(
        TokensCharged(
            user_id=state.user_id,
            run_id=usage.run_id,
            call_index=usage.call_index,
            thread_id=usage.thread_id,
            project_id=usage.project_id,
            model=usage.model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=total,
            charged_tokens=charged,
            balance_after=state.quota_remaining - charged,
            estimated_cost_usd=max(cost_usd, 0.0),
            byok=unlimited,
            usage_estimated=usage.estimated,
            plan_id=state.plan_id,
            used_at=usage.occurred_at,
            occurred_at=now,
        )
    )
    return events


def change_plan(
    state: Account,
    plan_id: PlanId,
    now: datetime,
    *,
    reason: str,
    source: PlanSource,
    delivery_id: str | None = None,
) -> list[Event]:
    """Move to ``plan_id`` with its full quota and a new period (once per ``delivery_id``)."""
    if delivery_id is not None and delivery_id in state.deliveries:
        return []
    previous = state.plan_id
    state, events = _prelude(state, now, source)
    quota = plan(plan_id).token_quota
    events.append(
        PlanChanged(
            user_id=state.user_id,
            plan_id=plan_id,
            previous_plan_id=previous,
            quota_total=quota,
            quota_remaining=quota,
            resets_at=now + PERIOD,
            reason=reason,
            source=source,
            delivery_id=delivery_id,
            occurred_at=now,
        )
    )
    return events


def reset_quota(state: Account, now: datetime, *, force: bool, source: PlanSource = "admin") -> list[Event]:
    """A new period: when the current one ended, or at once with ``force``. Unopened accounts
    already show a full quota and are left alone."""
    if not state.opened or not (force or period_over(state, now)):
        return []
    quota = plan(state.plan_id).token_quota
    return [
        QuotaReset(
            user_id=state.user_id,
            plan_id=state.plan_id,
            quota_total=quota,
            quota_remaining=quota,
            previous_remaining=state.quota_remaining,
            resets_at=now + PERIOD,
            source=source,
            occurred_at=now,
        )
    ]


def reset_entry(event: QuotaReset) -> QuotaResetEntry:
    return QuotaResetEntry(
        user_id=event.user_id,
        plan_id=event.plan_id,
        previous_remaining=event.previous_remaining,
        quota_total=event.quota_total,
        resets_at=event.resets_at,
    )
