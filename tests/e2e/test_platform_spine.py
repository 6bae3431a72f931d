"""Issue 2's "done when", checked from outside as a new user would: HTTP against `cheatcode up`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.stack import Stack


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _create_project_thread_message(stack: Stack, token: str) -> tuple[str, str, str]:
    with httpx.Client(base_url=stack.base_url, headers=_auth(token), timeout=15) as api:
        project = api.post("/api/projects", json={"name": "Todo app", "description": "e2e"})
        assert project.status_code == 200, project.text
        project_id = project.json()["id"]
        assert api.get(f"/api/projects/{project_id}").json()["name"] == "Todo app"  # read-your-writes
        thread = api.post("/api/threads", json={"project_id": project_id})
        assert thread.status_code == 200, thread.text
        thread_id = thread.json()["thread_id"]
        listed = api.get("/api/threads", params={"project_id": project_id}).json()
        assert [t["thread_id"] for t in listed] == [thread_id]
        message = api.post(f"/api/threads/{thread_id}/messages", json={"content": "build me a todo app"})
        assert message.status_code in (200, 201), message.text
        return project_id, thread_id, message.json()["message_id"]


def _message_ids(stack: Stack, token: str, thread_id: str) -> list[str]:
    response = httpx.get(f"{stack.base_url}/api/threads/{thread_id}/messages", headers=_auth(token), timeout=15)
    assert response.status_code == 200, response.text
    body = response.json()
    messages = body["messages"] if isinstance(body, dict) else body
    return [m["message_id"] for m in messages]


def test_create_read_and_isolation_between_users(stack: Stack) -> None:
    alice, mallory = stack.token("spine_alice"), stack.token("spine_mallory")
    project_id, thread_id, message_id = _create_project_thread_message(stack, alice)
    assert _message_ids(stack, alice, thread_id) == [message_id]
    with httpx.Client(base_url=stack.base_url, headers=_auth(mallory), timeout=15) as api:
        assert api.get(f"/api/projects/{project_id}").status_code == 404
        assert api.get(f"/api/threads/{thread_id}/messages").status_code == 404
        assert api.post(f"/api/threads/{thread_id}/messages", json={"content": "hi"}).status_code == 404
        assert api.post("/api/threads", json={"project_id": project_id}).status_code == 404
        assert api.get("/api/threads", params={"project_id": project_id}).json() == []
        assert project_id not in [p["id"] for p in api.get("/api/projects").json()]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
)
def test_missing_or_bad_tokens_get_401(stack: Stack, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.get(f"{stack.base_url}/api/projects", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "detail" in response.json()


def test_an_expired_token_gets_401(stack: Stack) -> None:
    token = stack.token("spine_expired", ttl_seconds=-60)  # past the verifier's few seconds of leeway
    assert httpx.get(f"{stack.base_url}/api/projects", headers=_auth(token), timeout=10).status_code == 401


def test_deep_health_reports_every_component_healthy(stack: Stack) -> None:
    response = httpx.get(f"{stack.base_url}/api/health/deep", timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["overall_status"] == "healthy", body
    assert all(component["status"] == "healthy" for component in body["components"].values()), body


def test_the_event_log_can_be_read_back_with_the_cli(stack: Stack) -> None:
    project_id, _, _ = _create_project_thread_message(stack, stack.token("spine_cli"))
    command = [sys.executable, "-m", "cheatcode_infra", "events", "--aggregate", f"project:{project_id}"]
    result = subprocess.run(
        [*command, "--home", str(stack.home)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert '"type": "project.created"' in result.stdout
    assert project_id in result.stdout


def _postmaster_pid(home: Path) -> int:
    (pid_file,) = home.glob("postgres/**/postmaster.pid")
    return int(pid_file.read_text().splitlines()[0])


def test_deep_health_is_503_without_postgres_and_data_survives_a_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    stack = Stack(Path(tmp_path_factory.mktemp("spine")) / "home")
    stack.start(timeout=90)
    try:
        token = stack.token("spine_restart")
        project_id, thread_id, message_id = _create_project_thread_message(stack, token)
        stack.stop()
        stack.start(timeout=90)
        response = httpx.get(f"{stack.base_url}/api/projects/{project_id}", headers=_auth(token), timeout=15)
        assert response.status_code == 200, response.text
        assert _message_ids(stack, token, thread_id) == [message_id]

        os.kill(_postmaster_pid(stack.home), signal.SIGINT)  # PostgreSQL's fast shutdown
        deadline = time.monotonic() + 30
        status = 0
        while time.monotonic() < deadline and status != 503:
            status = httpx.get(f"{stack.base_url}/api/health/deep", timeout=30).status_code
            time.sleep(0.5)
        assert status == 503
    finally:
        stack.stop()
