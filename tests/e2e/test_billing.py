"""Billing through the whole stack (``cheatcode up`` with the mock model), from outside over HTTP.

``[mock:burn:N]`` makes one LLM call reporting N tokens; ``[mock:burn:N:K]`` makes K of them.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

TERMINAL = {"completed", "failed", "stopped"}


def auth(stack: Stack, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(user)}"}


def get(stack: Stack, user: str, path: str) -> Any:
    response = httpx.get(f"{stack.base_url}{path}", headers=auth(stack, user), timeout=15)
    assert response.status_code == 200, response.text
    return response.json()


def initiate(stack: Stack, user: str, prompt: str, *, within: float = 30.0) -> dict[str, Any]:
    """Start a run; a 503 (billing restarting) is retried, as a client would."""
    ends = time.monotonic() + within
    while True:
        response = httpx.post(f"{stack.base_url}/api/agent/initiate", data={"prompt": prompt},
                              headers=auth(stack, user), timeout=60)  # fmt: skip
        if response.status_code != 503 or time.monotonic() > ends:
            assert response.status_code == 200, response.text
            return dict(response.json())
        time.sleep(0.2)


def start_on_thread(stack: Stack, user: str, thread_id: str, prompt: str) -> httpx.Response:
    message = httpx.post(f"{stack.base_url}/api/threads/{thread_id}/messages", json={"content": prompt},
                         headers=auth(stack, user), timeout=15)  # fmt: skip
    assert message.status_code == 200, message.text
    return httpx.post(f"{stack.base_url}/api/thread/{thread_id}/agent/start", json={}, headers=auth(stack, user),
                      timeout=30)  # fmt: skip


def wait_run(stack: Stack, user: str, run_id: str, within: float = 60.0) -> dict[str, Any]:
    ends = time.monotonic() + within
    while True:
        run = get(stack, user, f"/api/agent-run/{run_id}")
        if run["status"] in TERMINAL or time.monotonic() > ends:
            return dict(run)
        time.sleep(0.1)


def wait_usage(stack: Stack, user: str, count: int, within: float = 60.0) -> list[dict[str, Any]]:
    """The usage entries once there are ``count`` of them (the charge lags the run by a little)."""
    ends = time.monotonic() + within
    while True:
        entries = list(get(stack, user, "/api/billing/usage-history?days=1")["usage_entries"])
        if len(entries) >= count or time.monotonic() > ends:
            return entries
        time.sleep(0.1)


def test_a_free_quota_is_metered_exactly_and_then_refused(stack: Stack) -> None:
    user = "e2e_billing_burner"
    status = get(stack, user, "/api/billing/status")
    assert (status["plan_id"], status["tokens_total"], status["tokens_remaining"]) == ("free", 100_000, 100_000)

    first = initiate(stack, user, "[mock:burn:60000] spend")
    assert wait_run(stack, user, first["agent_run_id"])["status"] == "completed"
    wait_usage(stack, user, 1)
    second = start_on_thread(stack, user, first["thread_id"], "[mock:burn:60000] spend again")
    assert second.status_code == 200, second.text
    assert wait_run(stack, user, second.json()["agent_run_id"])["status"] == "completed"

    entries = wait_usage(stack, user, 2)
    burns = [e for e in entries if e["total_tokens"] == 60_000]
    assert len(burns) == 2 and {e["run_id"] for e in burns} == {first["agent_run_id"], second.json()["agent_run_id"]}
    assert all(e["thread_id"] == first["thread_id"] and e["project_id"] == first["project_id"] for e in entries)
    assert len({e["id"] for e in entries}) == len(entries)
    status = get(stack, user, "/api/billing/status")
    assert status["tokens_remaining"] == 100_000 - sum(e["total_tokens"] for e in entries)
    assert status["tokens_remaining"] <= 100_000 - 120_000 and status["credits_remaining"] == 0

    refused = start_on_thread(stack, user, first["thread_id"], "one more")
    assert refused.status_code == 402, refused.text
    detail = refused.json()["detail"]
    assert detail["error"] == "insufficient_credits" and detail["upgrade_required"] is True
    assert detail["current_plan"] == "Free" and detail["credits_remaining"] == 0
    assert get(stack, "e2e_billing_bystander", "/api/billing/usage-history")["usage_entries"] == []


def test_a_run_that_falls_under_1000_tokens_stops_before_its_next_call(stack: Stack) -> None:
    user = "e2e_billing_spender"
    started = initiate(stack, user, "[mock:burn:40000:5] spend in steps")
    run = wait_run(stack, user, started["agent_run_id"])
    assert (run["status"], run["error"]) == ("stopped", "Billing limit reached"), run
    entries = wait_usage(stack, user, 3)
    assert [e["total_tokens"] for e in entries] == [40_000, 40_000, 40_000]  # the 4th call never happened


def test_killing_billing_during_a_burst_loses_no_charge_and_doubles_none(stack: Stack) -> None:
    user = "e2e_billing_burst"
    runs = [initiate(stack, user, f"[mock:burn:1000] burst {n}")["agent_run_id"] for n in range(4)]
    os.kill(int(stack.state()["children"]["billing"]), signal.SIGKILL)
    runs += [initiate(stack, user, f"[mock:burn:1000] burst {n}")["agent_run_id"] for n in range(4, 10)]
    ended = {run_id: wait_run(stack, user, run_id) for run_id in runs}
    assert all(run["status"] in TERMINAL for run in ended.values()), ended
    # A run may fail while billing is down (it cannot look up the run's LLM key) before it calls
    # the model; every call that was made is charged exactly once.
    completed = sorted(run_id for run_id, run in ended.items() if run["status"] == "completed")
    assert len(completed) >= len(runs) // 2, [run.get("error") for run in ended.values()]
    wait_usage(stack, user, len(completed))
    time.sleep(1.0)  # any duplicate charge would have landed by now
    entries = list(get(stack, user, "/api/billing/usage-history?days=1")["usage_entries"])
    assert sorted(e["run_id"] for e in entries) == completed, "one charge per completed run's single call"
    assert all(e["total_tokens"] == 1000 for e in entries)
    assert get(stack, user, "/api/billing/status")["tokens_remaining"] == 100_000 - 1000 * len(completed)
    assert stack.state()["restarts"]["billing"] >= 1
