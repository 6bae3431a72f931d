"""The billing HTTP shapes of reference §12.3/§12.6 from read-model rows, and the run gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cheatcode_api.domain import billing as shapes
from cheatcode_api.handlers import billing_gate
from cheatcode_api.handlers.deps import HandlerDeps
from cheatcode_api.ports.commands import CommandBus
from cheatcode_api.ports.model_catalog import ModelCatalog
from cheatcode_contracts import Command, CommandReply
from cheatcode_contracts.billing import CheckRunAllowed, RunAllowance

NOW = datetime(2026, 12, 1, tzinfo=UTC)
STATUS_KEYS = {"account_id", "plan_id", "plan_name", "price_inr", "price_usd", "tokens_total", "tokens_remaining",
               "credits_total", "credits_remaining", "quota_resets_at", "subscription_status", "features",
               "deployments_used", "deployments_total"}  # fmt: skip


def test_a_user_without_a_row_reads_as_free_with_the_full_quota() -> None:
    body = shapes.status_body(None, "u1", NOW, deployments_used=0)
    assert set(body) == STATUS_KEYS
    assert (body["plan_id"], body["tokens_total"], body["tokens_remaining"], body["credits_remaining"]) == (
        "free", 100_000, 100_000, 20)  # fmt: skip
    assert body["deployments_total"] == 1 and body["subscription_status"] == "active"
    assert body["quota_resets_at"] == (NOW + timedelta(days=30)).isoformat()


def test_a_negative_balance_shows_zero_credits_and_an_ended_period_reads_renewed() -> None:
    row = shapes.AccountRow("u1", "pro", 750_000, -2_000, NOW + timedelta(days=3))
    body = shapes.status_body(row, "u1", NOW, deployments_used=4)
    assert (body["tokens_remaining"], body["credits_remaining"], body["deployments_used"]) == (-2000, 0, 4)
    assert body["deployments_total"] == 10 and body["price_usd"] == 1800
    later = shapes.status_body(row, "u1", NOW + timedelta(days=4), deployments_used=0)
    assert later["tokens_remaining"] == 750_000
    assert later["quota_resets_at"] == (NOW + timedelta(days=33)).isoformat()


def test_byok_shows_unlimited_credits() -> None:
    body = shapes.status_body(shapes.AccountRow("u1", "byok", -1, -1, NOW + timedelta(days=1)), "u1", NOW,
                              deployments_used=0)  # fmt: skip
    assert body["credits_total"] == body["credits_remaining"] == -1 and body["deployments_total"] == 100


def test_usage_history_entries_and_totals() -> None:
    row = shapes.UsageRow("r1", 0, "u1", "t1", "p1", "mock-model", 59_000, 1_000, 60_000, 60_000, 40_000, 0.5,
                          False, NOW)  # fmt: skip
    byok = shapes.UsageRow("r2", 0, "u1", "t2", "p2", "m", 10, 10, 20_000, 0, -1, 0.1, True, NOW)
    body = shapes.usage_history_body("u1", [row, byok])
    first = body["usage_entries"][0]
    assert first["id"] == "r1:0" and first["credits_used"] == 12 and first["tokens_remaining_after"] == 40_000
    assert first["thread_id"] == "t1" and first["project_id"] == "p1" and first["created_at"] == NOW.isoformat()
    assert body["usage_entries"][1]["credits_used"] == 0
    assert (body["total_tokens_used"], body["total_credits_used"]) == (80_000, 12)


def test_plans_in_order_without_ids() -> None:
    body = shapes.plans_body(None)
    assert [p["name"] for p in body["plans"]] == ["Free", "Pro", "Premium", "BYOK"]
    assert all("id" not in p for p in body["plans"]) and body["current_plan"] == "free"


def test_quota_status_marks_ended_periods() -> None:
    entry = shapes.quota_status_entry(shapes.AccountRow("u1", "free", 100_000, 5, NOW - timedelta(seconds=1)), NOW)
    assert entry["needs_reset"] and entry["id"] == "u1" and entry["plan_name"] == "Free"


class BillingAnswers(CommandBus):
    """The billing service's side of the command bus, answering CheckRunAllowed as told."""

    def __init__(self, allowance: RunAllowance) -> None:
        self.allowance = allowance
        self.sent: list[Command] = []

    async def send(self, command: Command) -> CommandReply:
        self.sent.append(command)
        return CommandReply.success(0, **self.allowance.model_dump(mode="json"))


class Catalog(ModelCatalog):
    async def available(self) -> dict[str, Any]:
        return {"models": [{"id": "claude-sonnet-4.5"}, {"id": "claude-opus-4.5"}, {"id": "mock-model"}]}


def deps_with(bus: CommandBus) -> HandlerDeps:
    return HandlerDeps(commands=bus, waiter=None, read_models=None)  # type: ignore[arg-type]


def allowance(**fields: Any) -> RunAllowance:
    base = {"plan_id": "free", "plan_name": "Free", "tokens_remaining": 100_000, "credits_remaining": 20,
            "allowed_models": ["*"], "denied_models": ["claude-opus-*"]}  # fmt: skip
    return RunAllowance(**{**base, **fields})


async def test_the_gate_passes_an_allowed_run_and_asks_for_5000_tokens() -> None:
    bus = BillingAnswers(allowance(allowed=True))
    await billing_gate.ensure_run_allowed(deps_with(bus), Catalog(), "u1", model="mock-model")
    [sent] = bus.sent
    assert isinstance(sent, CheckRunAllowed) and sent.min_tokens == 5000 and sent.model == "mock-model"


async def test_the_gate_answers_402_with_the_insufficient_credits_object() -> None:
    bus = BillingAnswers(allowance(allowed=False, reason="insufficient_credits", message="no", credits_remaining=0,
                                   credits_needed=1, tokens_remaining=-20_000))  # fmt: skip
    with pytest.raises(billing_gate.PaymentRequiredError) as refused:
        await billing_gate.ensure_run_allowed(deps_with(bus), Catalog(), "u1", model=None)
    assert refused.value.status_code == 402
    detail: object = refused.value.detail
    assert detail == {"error": "insufficient_credits", "message": "no", "credits_remaining": 0,
                                    "credits_needed": 1, "current_plan": "Free", "upgrade_required": True}  # fmt: skip


async def test_the_gate_answers_403_listing_the_catalog_models_the_plan_allows() -> None:
    bus = BillingAnswers(allowance(allowed=False, reason="model_not_allowed", message="not on free"))
    with pytest.raises(billing_gate.ModelNotAllowedError) as refused:
        await billing_gate.ensure_run_allowed(deps_with(bus), Catalog(), "u1", model="claude-opus-4.5")
    assert refused.value.status_code == 403
    detail: object = refused.value.detail
    assert detail == {"message": "not on free", "allowed_models": ["claude-sonnet-4.5", "mock-model"]}
