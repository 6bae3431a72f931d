"""Agent runs through the whole stack (``cheatcode up`` with the mock model), over HTTP and SSE."""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
from typing import Any

import httpx
import pytest

from tests.integration.api.streaming.sse import SseEvent, parse_events
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


def auth(stack: Stack, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(user)}"}


def initiate(stack: Stack, user: str, prompt: str, files: list[tuple[str, bytes]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    response = httpx.post(
        f"{stack.base_url}/api/agent/initiate",
        data={"prompt": prompt},
        files=[("files", (name, data)) for name, data in files] or None,
        headers=auth(stack, user),
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = dict(response.json())
    assert set(body) == {"thread_id", "agent_run_id", "project_id"}
    return body


def read_stream(stack: Stack, user: str, run_id: str, last_event_id: int | None = None) -> httpx.Response:
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    return httpx.get(
        f"{stack.base_url}/api/agent-run/{run_id}/stream",
        params={"token": stack.token(user)},
        headers=headers,
        timeout=120,
    )


def frames(response: httpx.Response) -> list[SseEvent]:
    assert response.status_code == 200, response.text
    return [event for event in parse_events(response.text) if event.id is not None]


def run_status(stack: Stack, user: str, run_id: str) -> str:
    response = httpx.get(f"{stack.base_url}/api/agent-run/{run_id}", headers=auth(stack, user), timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def wait_status(stack: Stack, user: str, run_id: str, statuses: set[str], within: float) -> tuple[str, float]:
    start = time.monotonic()
    while True:
        status = run_status(stack, user, run_id)
        if status in statuses or time.monotonic() - start > within:
            return status, time.monotonic() - start
        time.sleep(0.05)


def test_initiate_streams_the_whole_run_and_resumes_exactly(stack: Stack) -> None:
    user = "e2e_runs_alice"
    started = initiate(stack, user, "Make a hello file", [("notes.md", b"# notes\n")])
    run_id = started["agent_run_id"]
    events = frames(read_stream(stack, user, run_id))
    ids = [event.id or 0 for event in events]
    assert all(a < b for a, b in itertools.pairwise(ids))  # strictly increasing
    kinds = {event.data["type"] for event in events}
    assert {"content", "tool_call", "tool_result", "status"} <= kinds, kinds
    assert events[-1].data["type"] == "status" and events[-1].data["status"] == "completed"
    assert [event.data["sequence"] for event in events] == sorted(event.data["sequence"] for event in events)

    middle = events[len(events) // 2].id
    resumed = frames(read_stream(stack, user, run_id, middle))
    assert [event.id for event in resumed] == [event.id for event in events if (event.id or 0) > (middle or 0)]
    assert read_stream(stack, user, run_id, ids[-1]).status_code == 204

    assert run_status(stack, user, run_id) == "completed"
    messages = httpx.get(
        f"{stack.base_url}/api/threads/{started['thread_id']}/messages", headers=auth(stack, user), timeout=10
    ).json()
    text = json.dumps(messages)
    assert "[Uploaded File: /workspace/cheatcode-app/notes.md]" in text
    assert "assistant" in text and "tool" in text

    project = httpx.get(
        f"{stack.base_url}/api/projects/{started['project_id']}", headers=auth(stack, user), timeout=10
    ).json()
    sandbox_id = project["sandbox"]["id"]
    for path, expected in (("/workspace/cheatcode-app/notes.md", b"# notes\n"), ("hello.txt", None)):
        content = httpx.get(
            f"{stack.base_url}/api/sandboxes/{sandbox_id}/files/content",
            params={"path": path},
            headers=auth(stack, user),
            timeout=10,
        )
        assert content.status_code == 200, (path, content.text)
        assert expected is None or content.content == expected


def test_another_user_cannot_see_the_run_its_stream_or_its_threads_runs(stack: Stack) -> None:
    started = initiate(stack, "e2e_runs_owner", "[mock:echo] hi")
    run_id, thread_id = started["agent_run_id"], started["thread_id"]
    other = auth(stack, "e2e_runs_mallory")
    assert httpx.get(f"{stack.base_url}/api/agent-run/{run_id}", headers=other, timeout=10).status_code == 404
    assert read_stream(stack, "e2e_runs_mallory", run_id).status_code == 404
    runs = httpx.get(f"{stack.base_url}/api/thread/{thread_id}/agent-runs", headers=other, timeout=10)
    assert runs.status_code == 404
    own = httpx.get(f"{stack.base_url}/api/thread/{thread_id}/agent-runs", headers=auth(stack, "e2e_runs_owner"))
    assert [run["run_id"] for run in own.json()["agent_runs"]] == [run_id]


def test_bad_initiate_input_creates_nothing(stack: Stack) -> None:
    user = "e2e_runs_careless"
    response = httpx.post(
        f"{stack.base_url}/api/agent/initiate", data={"prompt": "   "}, headers=auth(stack, user), timeout=30
    )
    assert response.status_code == 400
    assert httpx.get(f"{stack.base_url}/api/projects", headers=auth(stack, user), timeout=10).json() == []


def test_a_stop_during_a_long_run_ends_it_stopped_within_a_second(stack: Stack) -> None:
    user = "e2e_runs_stopper"
    run_id = initiate(stack, user, "[mock:long:3000:50] talk for a while")["agent_run_id"]
    assert wait_status(stack, user, run_id, {"running"}, 10)[0] == "running"
    with httpx.stream(
        "GET", f"{stack.base_url}/api/agent-run/{run_id}/stream", params={"token": stack.token(user)}, timeout=30
    ) as live:
        chunks = live.iter_text()
        seen = ""
        while '"type": "content"' not in seen:  # the model is streaming
            seen += next(chunks)
        stop = httpx.post(f"{stack.base_url}/api/agent-run/{run_id}/stop", headers=auth(stack, user), timeout=10)
        assert stop.status_code == 200, stop.text
        assert stop.json() == {"message": "Stop signal sent", "agent_run_id": run_id, "status": "stopping"}
        asked = time.monotonic()
        rest = "".join(chunks)  # the server closes the stream after the terminal frame
        closed_after = time.monotonic() - asked
    last = [event for event in parse_events(seen + rest) if event.id is not None][-1]
    assert last.data["type"] == "status" and last.data["status"] == "stopped"
    assert closed_after < 1.0, closed_after
    assert wait_status(stack, user, run_id, {"stopped"}, 5)[0] == "stopped"
    again = httpx.post(f"{stack.base_url}/api/agent-run/{run_id}/stop", headers=auth(stack, user), timeout=10)
    assert again.status_code == 400


def test_a_run_whose_agent_process_dies_ends_within_a_minute(stack: Stack) -> None:
    user = "e2e_runs_orphan"
    run_id = initiate(stack, user, "[mock:long:3000:50] keep going")["agent_run_id"]
    assert wait_status(stack, user, run_id, {"running"}, 10)[0] == "running"
    time.sleep(0.5)
    os.kill(int(stack.state()["children"]["agent"]), signal.SIGKILL)
    status, waited = wait_status(stack, user, run_id, {"completed", "failed", "stopped"}, 60)
    assert status in {"completed", "failed", "stopped"}, f"still {status} after {waited:.0f}s"
    events = frames(read_stream(stack, user, run_id))
    assert events[-1].data["type"] == "status" and events[-1].data["status"] in {"completed", "failed", "stopped"}
