"""The deployment aggregate, Vercel project names and the file rules of §11."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from cheatcode_contracts.deployments import (
    DeploymentCreated,
    DeploymentFailed,
    DeploymentFilesCollected,
    DeploymentStarted,
    DeploymentSucceeded,
)
from cheatcode_integrations.domain import deployment as domain
from cheatcode_integrations.domain.workspace_files import encode_file, included

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def requested(state: domain.ProjectDeployments, deployment_id: str) -> domain.ProjectDeployments:
    events = domain.request(
        state,
        deployment_id=deployment_id,
        user_id="u1",
        sandbox_id="s1",
        app_type="web",
        project_name="Todo App",
        now=NOW,
        debounce=10,
    )
    for event in events:
        state = state.apply(event)
    return state


def test_a_newer_request_supersedes_the_queued_one() -> None:
    state = requested(domain.initial("p1"), "d1")
    assert state.pending is not None and state.pending.deployment_id == "d1"
    assert (state.pending.not_before - NOW).total_seconds() == 10
    state = requested(state, "d2")
    assert state.pending is not None and state.pending.deployment_id == "d2"
    assert "d1" in state.superseded


def test_steps_walk_the_states_and_the_last_deployment_is_kept() -> None:
    state = requested(domain.initial("p1"), "d1")
    state = state.apply(DeploymentStarted(project_id="p1", deployment_id="d1", worker="w"))
    assert state.running is not None and state.running.state == "preparing" and state.pending is None
    state = state.apply(
        DeploymentFilesCollected(project_id="p1", deployment_id="d1", file_count=3, binary_count=1, total_bytes=9)
    )
    assert state.running is not None and state.running.state == "pushing"
    state = state.apply(
        DeploymentCreated(
            project_id="p1",
            deployment_id="d1",
            vercel_project_id="prj",
            vercel_project_name="todo-app",
            vercel_deployment_id="dpl_1",
            url="todo-app-1.vercel.app",
        )
    )
    assert state.running is not None and state.running.state == "building"
    assert state.last_deployment_id == "dpl_1" and state.vercel_project_name == "todo-app"
    state = state.apply(
        DeploymentSucceeded(project_id="p1", deployment_id="d1", vercel_deployment_id="dpl_1", url="x.vercel.app")
    )
    assert state.running is None and state.last is not None and state.last.state == "deployed"
    assert state.find("d1") is state.last


def test_events_of_another_deployment_are_ignored() -> None:
    state = requested(domain.initial("p1"), "d1")
    state = state.apply(DeploymentStarted(project_id="p1", deployment_id="d1", worker="w"))
    assert state.apply(DeploymentFailed(project_id="p1", deployment_id="other", error="x")) == state


def test_vercel_project_names_follow_the_rules() -> None:
    assert domain.vercel_project_name("My  Cool_App!!", "abcdef123456") == "my-cool-app"
    assert domain.vercel_project_name("--Hello--World--", "x") == "hello-world"
    assert domain.vercel_project_name("日本語", "abcdef123456") == "project-abcdef12"
    assert len(domain.vercel_project_name("a" * 300, "x")) == 100
    assert not domain.vercel_project_name("a" * 99 + "-b", "x").endswith("-")


def test_ready_states_map_to_frontend_states() -> None:
    assert [
        domain.map_ready_state(s) for s in ("QUEUED", "BUILDING", "INITIALIZING", "READY", "ERROR", "CANCELED")
    ] == [
        "building",
        "building",
        "building",
        "deployed",
        "failed",
        "failed",
    ]
    assert domain.map_ready_state("WEIRD") == "unknown"


def test_excluded_directories_files_and_logs() -> None:
    assert included("src/app/page.tsx")
    assert included("public/logo.png")
    for path in ("node_modules/x/index.js", "a/.next/b", ".git/HEAD", "ios/Podfile", ".env", ".env.local",
                 "npm-debug.log", "yarn-error.log", ".DS_Store", "sub/Thumbs.db", "coverage/lcov.info"):  # fmt: skip
        assert not included(path), path
    assert included(".env.example")


def test_binary_and_non_utf8_files_go_as_base64() -> None:
    assert encode_file("a.txt", "héllo".encode()).encoding == "utf-8"
    png = encode_file("logo.png", b"\x89PNG\r\n")
    assert png.encoding == "base64" and base64.b64decode(png.data) == b"\x89PNG\r\n"
    latin = encode_file("notes.txt", b"\xff\xfe bad")
    assert latin.encoding == "base64"
    assert encode_file("x.js", b"ok").as_json() == {"file": "x.js", "data": "ok", "encoding": "utf-8"}
