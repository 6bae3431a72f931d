"""Issue 12 checked from outside: audit routes, idempotency, rate limits, metrics and traces."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


def auth(stack: Stack, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(user)}"}


def admin(stack: Stack) -> dict[str, str]:
    return {"X-Admin-Api-Key": stack.admin_api_key}


def initiate(stack: Stack, user: str, prompt: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = httpx.post(
        f"{stack.base_url}/api/agent/initiate",
        data={"prompt": prompt},
        headers={**auth(stack, user), **(headers or {})},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def finish(stack: Stack, user: str, run_id: str) -> None:
    """Reads the run's SSE stream to its end (the server closes it after the terminal frame)."""
    response = httpx.get(
        f"{stack.base_url}/api/agent-run/{run_id}/stream", params={"token": stack.token(user)}, timeout=120
    )
    assert response.status_code == 200, response.text


def admin_get(stack: Stack, path: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(f"{stack.base_url}{path}", params=params, headers=admin(stack), timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_admin_audits_one_users_events_a_runs_timeline_and_a_thread_before_its_last_message(stack: Stack) -> None:
    alice, bob = "e2e_ops_alice", "e2e_ops_bob"
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    started = initiate(stack, alice, "Make a hello file")
    initiate(stack, bob, "[mock:echo] someone else")
    finish(stack, alice, started["agent_run_id"])

    pages, after = [], 0
    while True:
        page = admin_get(stack, "/api/admin/events", user=alice, since=since, after=after, limit=5)
        pages.append(page["events"])
        if page["next_after"] is None:
            break
        after = page["next_after"]
    paged = [event for page in pages for event in page]
    whole = admin_get(stack, "/api/admin/events", user=alice, since=since, limit=1000)["events"]
    assert len(pages) > 2 and [e["sequence"] for e in paged] == [e["sequence"] for e in whole]  # no gap
    assert all(a["sequence"] < b["sequence"] for a, b in itertools.pairwise(paged))
    assert {event["user_id"] for event in paged} == {alice}
    assert any(event["subject"].endswith(started["project_id"]) for event in paged)
    bobs = admin_get(stack, "/api/admin/events", user=bob, since=since, limit=1000)["events"]
    assert bobs and not {e["sequence"] for e in bobs} & {e["sequence"] for e in whole}

    timeline = admin_get(stack, f"/api/admin/runs/{started['agent_run_id']}/timeline")
    categories = [item["category"] for item in timeline["items"]]
    assert "usage" in categories and "lifecycle" in categories and "message" in categories, categories
    frames = [item for item in timeline["items"] if item["stream"] != timeline["items"][0]["stream"]]
    frame_ids = [
        item["sequence"] for item in frames if item["category"] in {"frame", "tool_call", "tool_result", "status"}
    ]
    assert frame_ids and frame_ids == sorted(frame_ids)
    sent = admin_get(stack, f"/api/admin/runs/{started['agent_run_id']}/frames")
    assert [frame["id"] for frame in sent["frames"]] == frame_ids

    thread = f"thread:{started['thread_id']}"
    history = admin_get(stack, "/api/admin/events", aggregate=thread, limit=1000)["events"]
    added = [event for event in history if "message" in event["type"].lower()]
    assert len(added) >= 2, [event["type"] for event in history]
    path = f"/api/admin/aggregates/thread/{started['thread_id']}"
    now = admin_get(stack, path)
    before = admin_get(stack, path, at_seq=added[-1]["sequence"] - 1)
    assert now["exists"] and before["exists"]
    assert len(before["state"]["messages"]) == len(now["state"]["messages"]) - 1, (before, now)

    # The same queries from `cheatcode events` (the log read as the reader user; fold and timeline via the API).
    by_cli = cli(stack, "--user", alice, "--since", since)
    assert [line["seq"] for line in by_cli] == [event["sequence"] for event in whole]
    assert cli(stack, "--fold", thread, "--at-seq", str(added[-1]["sequence"] - 1)) == [before]
    assert cli(stack, "--timeline", started["agent_run_id"]) == timeline["items"]


def cli(stack: Stack, *args: str) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "cheatcode_infra", "events", "--home", str(stack.home), *args]
    result = subprocess.run(command, env=stack_env(), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def stack_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("CHEATCODE_")}


@pytest.mark.parametrize("headers", [{}, {"X-Admin-Api-Key": "wrong"}, "bearer"])
def test_a_non_admin_gets_401_or_403(stack: Stack, headers: Any) -> None:
    sent = auth(stack, "e2e_ops_mallory") if headers == "bearer" else headers
    for path in ("/api/admin/events", "/api/admin/aggregates/thread/x", "/api/admin/runs/x/timeline"):
        assert httpx.get(f"{stack.base_url}{path}", headers=sent, timeout=10).status_code in {401, 403}


def test_a_post_repeated_with_one_idempotency_key_creates_one_project(stack: Stack) -> None:
    headers = {**auth(stack, "e2e_ops_retrier"), "Idempotency-Key": secrets.token_hex(8)}
    listed = httpx.get(f"{stack.base_url}/api/projects", headers=headers, timeout=10).json()
    ids = []
    for _ in range(2):
        response = httpx.post(f"{stack.base_url}/api/projects", json={"name": "Once"}, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    assert ids[0] == ids[1]
    after = httpx.get(f"{stack.base_url}/api/projects", headers=headers, timeout=10).json()
    assert len(after) == len(listed) + 1
    other = httpx.post(f"{stack.base_url}/api/projects", json={"name": "Other"}, headers=headers, timeout=30)
    assert other.status_code == 422


def test_eleven_project_creates_in_a_minute_give_ten_successes_and_one_429(stack: Stack) -> None:
    headers = auth(stack, "e2e_ops_hasty")
    answers = [
        httpx.post(f"{stack.base_url}/api/projects", json={"name": f"p{n}"}, headers=headers, timeout=30)
        for n in range(11)
    ]
    assert [a.status_code for a in answers].count(200) == 10, [a.status_code for a in answers]
    limited = [a for a in answers if a.status_code == 429]
    assert len(limited) == 1 and int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].json()["message"] == "Rate limit exceeded"


def scrape(url: str) -> dict[str, float]:
    """Sample name (labels joined) → value, for every cheatcode_* sample the text exposes."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, url
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name.startswith("cheatcode_"):
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def total(samples: dict[str, float], name: str) -> float | None:
    found = [value for key, value in samples.items() if key.split("{")[0] == name]
    return sum(found) if found else None


def test_every_services_metrics_parse_and_move_while_a_run_streams(stack: Stack) -> None:
    urls: dict[str, str] = stack.state()["metrics"]
    assert {"api", "agent", "sandbox", "billing"} <= set(urls), urls
    baseline = {name: scrape(url) for name, url in urls.items()}
    assert all(baseline.values()), {name: len(s) for name, s in baseline.items()}
    user = "e2e_ops_watcher"
    run_id = initiate(stack, user, "[mock:long:40:50] talk for a while")["agent_run_id"]
    during: list[dict[str, float]] = []

    def sample() -> None:
        for _ in range(40):
            during.append(scrape(urls["api"]))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    finish(stack, user, run_id)
    sampler.join()
    after = {name: scrape(url) for name, url in urls.items()}

    assert max(total(s, "cheatcode_sse_streams_open") or 0 for s in during) >= 1
    assert (total(after["api"], "cheatcode_sse_frames_delivered_total") or 0) > (
        total(baseline["api"], "cheatcode_sse_frames_delivered_total") or 0
    )
    assert total(after["api"], "cheatcode_projection_lag_events") is not None
    assert any(total(s, "cheatcode_consumer_lag_messages") is not None for s in after.values())
    assert (total(after["agent"], "cheatcode_runs_total") or 0) > (
        total(baseline["agent"], "cheatcode_runs_total") or 0
    )


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            lines.append(parsed)
    return lines


def test_one_requests_traceparent_reaches_the_api_agent_and_sandbox_logs(stack: Stack) -> None:
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    user = "e2e_ops_traced"
    started = initiate(stack, user, "Make a hello file", {"traceparent": traceparent})
    finish(stack, user, started["agent_run_id"])
    logs: dict[str, str] = stack.state()["logs"]
    deadline = time.monotonic() + 10
    while True:
        seen = {
            name: any(line.get("trace_id") == trace_id for line in json_lines(Path(logs[name])))
            for name in ("api", "agent", "sandbox")
        }
        if all(seen.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert all(seen.values()), seen
