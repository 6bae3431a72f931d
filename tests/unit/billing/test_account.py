"""The Account aggregate: defaults, charges (once, even below zero), byok, plans, periods, gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cheatcode_billing.domain import account
from cheatcode_billing.domain.charges import ChargedCalls
from cheatcode_contracts import Event
from cheatcode_contracts.billing import AccountOpened, ByokKeyRemoved, ByokKeyStored, QuotaReset, TokensCharged
from cheatcode_contracts.plans import RUN_MIN_TOKENS, START_MIN_TOKENS
from cheatcode_contracts.runs import UsageRecorded

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def usage(run: str = "r1", call: int = 0, prompt: int = 1000, completion: int = 500, user: str = "u1") -> UsageRecorded:
    return UsageRecorded(run_id=run, user_id=user, thread_id="t1", project_id="p1", model="anthropic/claude-sonnet-4.5",
                         prompt_tokens=prompt, completion_tokens=completion, call_index=call)  # fmt: skip


def folded(*events: object) -> account.Account:
    return account.fold("u1", events)  # type: ignore[arg-type]


def test_a_user_never_seen_is_free_with_the_full_quota() -> None:
    snap = account.snapshot(account.new_account("u1"), NOW)
    assert (snap.plan_id, snap.tokens_total, snap.tokens_remaining) == ("free", 100_000, 100_000)
    assert snap.credits_remaining == 20
    assert not snap.opened and snap.quota_resets_at == NOW + timedelta(days=30)


def test_the_first_charge_opens_the_account_then_charges_the_total() -> None:
    events = account.charge(account.new_account("u1"), usage(), 0.01, NOW)
    assert [type(e) for e in events] == [AccountOpened, TokensCharged]
    charged = events[1]
    assert isinstance(charged, TokensCharged)
    assert (charged.total_tokens, charged.charged_tokens, charged.balance_after) == (1500, 1500, 98_500)
    assert charged.estimated_cost_usd == 0.01 and not charged.byok
    state = folded(*events)
    assert state.quota_remaining == 98_500 and state.resets_at == NOW + timedelta(days=30)


def test_the_same_call_is_never_charged_twice() -> None:
    state = folded(*account.charge(account.new_account("u1"), usage(), 0.0, NOW))
    assert account.charge(state, usage(), 0.0, NOW) == []
    assert len(account.charge(state, usage(call=1), 0.0, NOW)) == 1


def test_a_short_balance_goes_below_zero_rather_than_dropping_the_charge() -> None:
    state = folded(*account.charge(account.new_account("u1"), usage(prompt=99_000, completion=0), 0.0, NOW))
    [charged] = account.charge(state, usage(call=1, prompt=5000, completion=0), 0.0, NOW)
    assert isinstance(charged, TokensCharged) and charged.balance_after == -4000
    snap = account.snapshot(state.apply(charged), NOW)
    assert snap.tokens_remaining == -4000 and snap.credits_remaining == 0


def test_byok_is_not_charged_but_logged_with_its_cost() -> None:
    state = folded(*account.change_plan(account.new_account("u1"), "byok", NOW, reason="test", source="admin"))
    [charged] = account.charge(state, usage(), 0.25, NOW)
    assert isinstance(charged, TokensCharged)
    assert charged.byok and charged.charged_tokens == 0 and charged.total_tokens == 1500
    assert charged.estimated_cost_usd == 0.25 and charged.balance_after == -1
    snap = account.snapshot(state.apply(charged), NOW)
    assert snap.credits_total == -1 and snap.credits_remaining == -1


def test_a_plan_change_gives_the_full_quota_and_applies_one_delivery_once() -> None:
    state = folded(*account.charge(account.new_account("u1"), usage(prompt=50_000), 0.0, NOW))
    events = account.change_plan(state, "pro", NOW, reason="subscription.created", source="polar", delivery_id="w1")
    state = _apply(state, events)
    assert (state.plan_id, state.quota_total, state.quota_remaining) == ("pro", 750_000, 750_000)
    assert account.change_plan(state, "pro", NOW, reason="again", source="polar", delivery_id="w1") == []


def _apply(state: account.Account, events: list[Event]) -> account.Account:
    for event in events:
        state = state.apply(event)
    return state


def test_an_ended_period_reads_as_renewed_and_the_next_write_records_the_reset() -> None:
    state = folded(*account.charge(account.new_account("u1"), usage(prompt=90_000), 0.0, NOW))
    later = NOW + timedelta(days=31)
    assert account.snapshot(state, later).tokens_remaining == 100_000
    events = account.charge(state, usage(call=1), 0.0, later)
    assert [type(e) for e in events] == [QuotaReset, TokensCharged]
    assert _apply(state, events).quota_remaining == 100_000 - 1500
    assert _apply(state, events).resets_at == NOW + timedelta(days=60)


def test_admin_reset_only_for_ended_periods_unless_forced() -> None:
    state = folded(*account.charge(account.new_account("u1"), usage(prompt=90_000), 0.0, NOW))
    assert account.reset_quota(state, NOW, force=False) == []
    [reset] = account.reset_quota(state, NOW, force=True)
    assert isinstance(reset, QuotaReset) and reset.previous_remaining == 100_000 - 90_500
    assert account.reset_quota(account.new_account("u2"), NOW, force=True) == []


def test_the_run_gate_checks_the_model_first_then_the_balance() -> None:
    fresh = account.new_account("u1")
    assert account.check_run(fresh, "mock-model", START_MIN_TOKENS, NOW).allowed
    refused = account.check_run(fresh, "openrouter/anthropic/claude-opus-4.5", START_MIN_TOKENS, NOW)
    assert not refused.allowed and refused.reason == "model_not_allowed" and "claude-opus-*" in refused.denied_models
    low = folded(*account.charge(fresh, usage(prompt=96_000, completion=0), 0.0, NOW))
    start = account.check_run(low, None, START_MIN_TOKENS, NOW)
    assert not start.allowed and start.reason == "insufficient_credits"
    assert start.insufficient_credits_detail()["credits_remaining"] == 0
    assert start.insufficient_credits_detail()["current_plan"] == "Free"
    assert account.check_run(low, None, RUN_MIN_TOKENS, NOW).allowed  # 4,000 left: may continue
    byok = _apply(fresh, account.change_plan(fresh, "byok", NOW, reason="t", source="admin"))
    assert account.check_run(byok, "claude-opus-4.5", START_MIN_TOKENS, NOW).allowed


def test_byok_key_events_keep_only_the_ciphertext_and_removal_forgets_it() -> None:
    stored = ByokKeyStored(user_id="u1", key_id="k1", key_hash="h", ciphertext="c", display_name="mine")
    state = folded(stored)
    assert state.byok_key is not None and state.byok_key.ciphertext == "c"
    assert folded(stored, ByokKeyRemoved(user_id="u1", key_id="other")).byok_key is not None
    assert folded(stored, ByokKeyRemoved(user_id="u1", key_id="k1")).byok_key is None


def test_charged_calls_behave_as_immutable_values_when_branched() -> None:
    base = ChargedCalls().add("a")
    left, right = base.add("b"), base.add("c")
    assert "b" in left and "c" not in left and "c" in right and "b" not in right
    assert "b" not in base and len(base) == 1 and set(left.add("d")) == {"a", "b", "d"}
    assert base.add("a") is base and left == ChargedCalls().add("a").add("b")


def test_a_runs_own_uncharged_calls_count_as_spent_in_the_gate() -> None:
    state = folded(*account.charge(account.new_account("u1"), usage(run="r9", prompt=90_000, completion=0), 0.0, NOW))
    assert account.check_run(state, None, RUN_MIN_TOKENS, NOW, run_id="r9", run_usage={0: 90_000}).allowed
    pending = account.check_run(state, None, RUN_MIN_TOKENS, NOW, run_id="r9", run_usage={0: 90_000, 1: 9_500})
    assert not pending.allowed and pending.tokens_remaining == 500
