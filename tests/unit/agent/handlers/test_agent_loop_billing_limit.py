"""A run whose account fell under the running threshold stops before its next LLM call."""

from __future__ import annotations

from dataclasses import replace

from cheatcode_agent.domain.conversation import ToolCall
from cheatcode_agent.ports.billing import BILLING_LIMIT_REACHED, BillingPort
from cheatcode_agent.ports.llm import Usage
from tests.unit.agent.handlers.test_agent_loop import ScriptedLlm, setup


class Balance(BillingPort):
    """Billing's answer: the account's tokens minus the run's calls (as the real check counts them)."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens
        self.asked: list[dict[int, int]] = []

    async def may_continue(self, user_id: str, run_id: str, run_usage: dict[int, int]) -> bool:
        self.asked.append(dict(run_usage))
        return self.tokens - sum(run_usage.values()) >= 1000


async def test_the_run_stops_with_billing_limit_reached_before_the_call_that_would_overspend() -> None:
    look = ToolCall("c1", "list_files", {"path": "."})
    loop, _, _ = await setup([("looking", [look])] * 5)
    llm = ScriptedLlm([("looking", [look])] * 5, usage=Usage(1500, 500))
    billing = Balance(5000)
    loop.deps = replace(loop.deps, llm=llm, billing=billing)
    outcome = await loop.execute()
    assert (outcome.status, outcome.message) == ("stopped", BILLING_LIMIT_REACHED)
    assert len(llm.requests) == 3  # 5000 → 3000 → 1000 → -1000: the fourth call never happens
    assert billing.asked == [{}, {0: 2000}, {0: 2000, 1: 2000}, {0: 2000, 1: 2000, 2: 2000}]


async def test_without_a_billing_port_the_run_is_not_checked() -> None:
    loop, _, _ = await setup([("done", [])])
    assert (await loop.execute()).status == "completed"
