"""Plans as data (reference §12.1) and the token/credit rules."""

from __future__ import annotations

import pytest

from cheatcode_contracts import billing, plans
from cheatcode_contracts.catalog import COMMAND_OWNERS, build_registry, subject_for


def test_plans_are_the_newer_constants_in_order() -> None:
    assert plans.PLAN_IDS == ("free", "pro", "premium", "byok")
    table = {p.id: (p.price_usd, p.price_inr, p.token_quota, p.display_credits, p.max_deployments)
             for p in plans.PLANS.values()}  # fmt: skip
    assert table == {
        "free": (0, 0, 100_000, 20, 1),
        "pro": (1800, 149_900, 750_000, 150, 10),
        "premium": (3000, 259_900, 1_250_000, 250, 25),
        "byok": (10_800, 1_299_500, -1, -1, 100),
    }
    assert plans.PLANS["byok"].unlimited and not plans.PLANS["pro"].unlimited


def test_public_plan_objects_have_no_id() -> None:
    body = plans.PLANS["free"].public()
    assert "id" not in body and body["name"] == "Free" and body["daily_refills_max"] == 4
    assert isinstance(body["features"], list) and body["description"]


CREDIT_CASES = [(0, 0), (-5000, 0), (4999, 0), (5000, 1), (100_000, 20), (99_999, 19)]


@pytest.mark.parametrize(("tokens", "expected"), CREDIT_CASES)
def test_credits_are_tokens_over_5000(tokens: int, expected: int) -> None:
    assert plans.credits(tokens) == expected


@pytest.mark.parametrize(
    ("plan_id", "model", "allowed"),
    [
        ("free", "mock-model", True),
        ("free", "claude-sonnet-4.5", True),
        ("free", "openrouter/anthropic/claude-opus-4.5", False),
        ("free", "anthropic/Claude-Opus-4.5", False),
        ("pro", "openrouter/anthropic/claude-opus-4.5", True),
        ("byok", "claude-opus-4.5", True),
    ],
)
def test_model_access(plan_id: str, model: str, allowed: bool) -> None:
    assert plans.model_allowed(plans.plan(plan_id), model) is allowed


def test_billing_contracts_are_registered_and_owned_by_billing() -> None:
    registry = build_registry()
    for event in billing.EVENTS:
        assert event.type_name in registry and event.aggregate_kind == "account"
    for command in billing.COMMANDS:
        assert COMMAND_OWNERS[command] == "billing"
        assert subject_for(command).startswith("cc.cmd.billing.")
    assert billing.account_subject("u1") == "cc.evt.account.u1"


def test_insufficient_credits_detail_is_the_reference_object() -> None:
    allowance = billing.RunAllowance(
        allowed=False, reason="insufficient_credits", message="m", plan_id="free", plan_name="Free",
        tokens_remaining=10, credits_remaining=0, credits_needed=1,
    )  # fmt: skip
    assert allowance.insufficient_credits_detail() == {
        "error": "insufficient_credits", "message": "m", "credits_remaining": 0, "credits_needed": 1,
        "current_plan": "Free", "upgrade_required": True,
    }  # fmt: skip
