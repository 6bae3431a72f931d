"""Billing use cases against the in-memory event store: metering once, commands, the ledger cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from cheatcode_billing.adapters.memory import FixedPrices, LogAccountDirectory
from cheatcode_billing.domain.account import Account
from cheatcode_billing.handlers import accounts, metering
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_billing.ports.prices import Price
from cheatcode_contracts.billing import (
    AccountSnapshot,
    ChangePlan,
    CheckRunAllowed,
    GetAccountStatus,
    QuotaResetReport,
    ResetQuotas,
    RunAllowance,
    TokensCharged,
)
from cheatcode_contracts.runs import UsageRecorded
from cheatcode_runtime.consumer.memory import deliver
from cheatcode_runtime.errors import Invalid
from cheatcode_runtime.eventstore import InMemoryEventStore, Repository

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def make_deps(store: InMemoryEventStore | None = None) -> BillingDeps:
    store = store or InMemoryEventStore()
    directory = LogAccountDirectory(store)
    prices = FixedPrices({"anthropic/claude-sonnet-4.5": Price(3e-6, 15e-6)})
    return BillingDeps(store=lambda: store, prices=prices, directory=lambda: directory, clock=lambda: NOW)


def usage(run: str = "r1", call: int = 0, total: int = 10_000, user: str = "u1") -> UsageRecorded:
    return UsageRecorded(run_id=run, user_id=user, thread_id="t1", project_id="p1", model="anthropic/claude-sonnet-4.5",
                         prompt_tokens=total - 1000, completion_tokens=1000, call_index=call)  # fmt: skip


def charges(store: InMemoryEventStore) -> list[TokensCharged]:
    return [e.event for e in store.log if isinstance(e.event, TokensCharged)]


async def test_each_call_is_charged_once_with_its_estimated_cost() -> None:
    store = InMemoryEventStore()
    deps = make_deps(store)
    for _ in range(3):
        await metering.record_usage(usage(), deps)
    await metering.record_usage(usage(call=1), deps)
    assert [(c.call_index, c.balance_after) for c in charges(store)] == [(0, 90_000), (1, 80_000)]
    assert charges(store)[0].estimated_cost_usd == pytest.approx(9000 * 3e-6 + 1000 * 15e-6)


async def test_a_fresh_process_or_a_stale_cache_still_charges_once() -> None:
    store = InMemoryEventStore()
    first, second = make_deps(store), make_deps(store)  # two replicas over one log
    await metering.record_usage(usage(call=0), first)
    await metering.record_usage(usage(call=0), second)  # second never saw it: loads, refuses
    await metering.record_usage(usage(call=1), second)
    await metering.record_usage(usage(call=1), first)  # first's cache is stale: conflict, reload, refuse
    await metering.record_usage(usage(call=2), first)
    assert [c.call_index for c in charges(store)] == [0, 1, 2]
    assert charges(store)[-1].balance_after == 70_000


async def test_concurrent_deliveries_of_one_account_serialise() -> None:
    store = InMemoryEventStore()
    deps = make_deps(store)
    calls = [usage(call=n % 20, total=1000) for n in range(60)]
    await asyncio.gather(*(metering.record_usage(call, deps) for call in calls))
    assert sorted(c.call_index for c in charges(store)) == list(range(20))
    assert min(c.balance_after for c in charges(store)) == 80_000


async def test_the_consumer_handler_acks_usage_and_ignores_other_events() -> None:
    deps = make_deps()
    delivery = await deliver(lambda d: metering.on_usage_event(d.event, deps), usage())
    assert delivery.settled == "ack"
    snap = AccountSnapshot.model_validate((await accounts.get_account_status(GetAccountStatus(user_id="u1"),
                                                                            deps)).result)  # fmt: skip
    assert snap.tokens_remaining == 90_000 and snap.opened


async def test_check_run_allowed_refuses_a_spent_account_and_a_premium_model() -> None:
    deps = make_deps()
    await metering.record_usage(usage(total=96_000), deps)
    reply = await accounts.check_run_allowed(CheckRunAllowed(user_id="u1"), deps)
    allowance = RunAllowance.model_validate(reply.result)
    assert not allowance.allowed and allowance.reason == "insufficient_credits" and allowance.tokens_remaining == 4000
    reply = await accounts.check_run_allowed(CheckRunAllowed(user_id="u2", model="claude-opus-4.5"), deps)
    assert RunAllowance.model_validate(reply.result).reason == "model_not_allowed"


async def test_change_plan_then_reset_quotas_visits_every_account() -> None:
    store = InMemoryEventStore()
    deps = make_deps(store)
    await metering.record_usage(usage(user="a"), deps)
    await metering.record_usage(usage(user="b", total=30_000), deps)
    reply = await accounts.change_plan(ChangePlan(user_id="b", plan_id="pro", source="admin"), deps)
    assert AccountSnapshot.model_validate(reply.result).tokens_remaining == 750_000
    with pytest.raises(Invalid):
        await accounts.change_plan(ChangePlan(user_id="b", plan_id="gold"), deps)
    report = QuotaResetReport.model_validate((await accounts.reset_quotas(ResetQuotas(force=True), deps)).result)
    assert report.reset_count == 2 and {e.user_id for e in report.reset_details} == {"a", "b"}
    repository: Repository[Account] = deps.accounts
    assert (await repository.load("a")).state.quota_remaining == 100_000
    quiet = QuotaResetReport.model_validate((await accounts.reset_quotas(ResetQuotas(), deps)).result)
    assert quiet.reset_count == 0
