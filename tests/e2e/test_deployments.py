"""Deployments, from outside: ``cheatcode up`` with ``VERCEL_API_URL`` at the Vercel double (issue 11).

The stack's own sandbox holds the files; the double records what it received.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cheatcode_infra.vercel_double.app import VercelDouble, create_app
from tests.support.http_thread import serve_in_thread
from tests.support.stack import Stack

pytestmark = [pytest.mark.e2e]
TOKEN = "vercel-e2e-token"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00binary\xff"


@pytest.fixture(scope="module")
def double() -> Iterator[tuple[VercelDouble, str]]:
    state = VercelDouble(token=TOKEN, build_seconds=0.6)
    with serve_in_thread(create_app(state)) as url:
        yield state, url


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, double: tuple[VercelDouble, str]) -> Iterator[Stack]:
    env = {
        "VERCEL_API_URL": double[1],
        "VERCEL_BEARER_TOKEN": TOKEN,
        "VERCEL_TEAM_ID": "team_e2e",
        "CHEATCODE_DEPLOY_DEBOUNCE_SECONDS": "0.5",
        "CHEATCODE_DEPLOY_POLL_SECONDS": "0.1",
        "CHEATCODE_DEPLOY_ACK_WAIT_SECONDS": "2",  # a killed worker's deployment is resumed after this
    }
    if shutil.which("bwrap") is None or os.geteuid() != 0:
        env["CHEATCODE_SANDBOX_ALLOW_UNSAFE"] = "1"
    running = Stack(Path(tmp_path_factory.mktemp("e2e-deploy")) / "home", env=env)
    running.start(timeout=90)
    yield running
    running.stop()


class Api:
    def __init__(self, stack: Stack, user: str) -> None:
        self.client = httpx.Client(
            base_url=stack.base_url, timeout=120, headers={"Authorization": f"Bearer {stack.token(user)}"}
        )

    def ok(self, method: str, url: str, **options: Any) -> Any:
        response = self.client.request(method, url, **options)
        assert response.status_code == 200, (url, response.status_code, response.text)
        return response.json()

    def project_with_files(self, name: str, files: dict[str, bytes]) -> str:
        project_id: str = self.ok("POST", "/api/projects", json={"name": name})["id"]
        sandbox_id = self.ok("POST", f"/api/project/{project_id}/sandbox/ensure-active")["sandbox_id"]
        for path, content in files.items():
            self.ok("POST", f"/api/sandboxes/{sandbox_id}/files", data={"path": path}, files={"file": ("f", content)})
        return project_id

    def wait_live(self, project_id: str, final: set[str], timeout: float = 30) -> list[str]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.ok("GET", f"/api/project/{project_id}/deployment/live-status")
            if not seen or seen[-1] != state["state"]:
                seen.append(state["state"])
            if state["state"] in final:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"live-status never reached {final}: {seen}")


FILES = {
    "package.json": b'{"name":"shop","scripts":{"build":"next build"}}',
    "app/page.tsx": b"export default function Page() { return <h1>Shop</h1> }",
    "public/logo.png": PNG,
    "node_modules/react/index.js": b"module.exports = {}",
    ".env": b"SECRET=never-uploaded",
    ".next/cache/build.txt": b"built output",
    "npm-debug.log": b"noise",
}


def test_a_project_deploys_and_live_status_walks_to_deployed(stack: Stack, double: tuple[VercelDouble, str]) -> None:
    alice = Api(stack, "deploy_alice")
    project_id = alice.project_with_files("Shop Front", FILES)
    started = alice.ok("POST", f"/api/project/{project_id}/deploy/git", json={"domains": []})
    assert started["status"] == "deploying" and started["message"] == "Deployment started via background pipeline"
    first = alice.ok("GET", f"/api/project/{project_id}/deployment/live-status")
    assert first["state"] == "queued" and first["in_progress"] is True
    seen = alice.wait_live(project_id, {"deployed", "failed"})
    assert seen[-1] == "deployed", seen
    assert set(seen) <= {"queued", "preparing", "pushing", "building", "deployed"}, seen

    status = alice.ok("GET", f"/api/project/{project_id}/deployment/status")
    received = httpx.get(f"{double[1]}/_double/deployments").json()["deployments"]
    mine = [d for d in received if d["id"] == status["last_deployment_id"]]
    assert len(mine) == 1, (status, received)
    deployment = mine[0]
    assert status["has_deployment"] is True and status["url"] == deployment["url"] == status["domains"][0]
    assert status["project_name"] == "shop-front" and status["app_type"] == "web"
    assert deployment["teamId"] == "team_e2e"
    files = {f["file"]: f for f in deployment["files"]}
    assert set(files) == {"package.json", "app/page.tsx", "public/logo.png"}
    assert files["public/logo.png"]["encoding"] == "base64"
    assert base64.b64decode(files["public/logo.png"]["content_b64"]) == PNG
    assert files["app/page.tsx"]["encoding"] == "utf-8"

    live = alice.ok("GET", f"/api/project/{project_id}/deployment/live-status")
    assert live["state"] == "deployed" and live["raw_state"] == "READY" and live["deployment_id"] == deployment["id"]

    # A second project's first deploy is over the free plan's limit of one.
    second = alice.project_with_files("Second", {"index.html": b"<h1>hi</h1>"})
    refused = alice.client.post(f"/api/project/{second}/deploy/git", json={})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Deployment limit reached. Your free plan allows 1 deployed projects."

    # The update redeploys synchronously and returns the new id.
    updated = alice.ok("POST", f"/api/project/{project_id}/deploy/git/update", json={})
    assert updated["status"] == "ok" and updated["deploymentId"] != deployment["id"]
    assert updated["url"] == f"https://{updated['domains'][0]}"
    status = alice.ok("GET", f"/api/project/{project_id}/deployment/status")
    assert status["last_deployment_id"] == updated["deploymentId"]

    # Flags are off in this stack: their routes do not exist.
    assert alice.client.get("/api/feature-flags").status_code == 404
    assert alice.client.get("/api/feature-flags/anything").status_code == 404

    # Another user sees nothing.
    bob = Api(stack, "deploy_bob")
    for method, path in (("POST", "deploy/git"), ("POST", "deploy/git/update"), ("GET", "deployment/status"),
                         ("GET", "deployment/live-status")):  # fmt: skip
        assert bob.client.request(method, f"/api/project/{project_id}/{path}").status_code == 404


def test_vercel_error_gives_failed_and_an_empty_workspace_gives_400(
    stack: Stack, double: tuple[VercelDouble, str]
) -> None:
    carol = Api(stack, "deploy_carol")
    project_id = carol.project_with_files("Broken", {"package.json": b"{}"})
    double[0].outcome = "ERROR"
    try:
        carol.ok("POST", f"/api/project/{project_id}/deploy/git", json={})
        seen = carol.wait_live(project_id, {"deployed", "failed"})
    finally:
        double[0].outcome = "READY"
    assert seen[-1] == "failed"
    live = carol.ok("GET", f"/api/project/{project_id}/deployment/live-status")
    assert live["raw_state"] == "ERROR"

    dave = Api(stack, "deploy_dave")
    empty: str = dave.ok("POST", "/api/projects", json={"name": "Empty"})["id"]
    dave.ok("POST", f"/api/project/{empty}/sandbox/ensure-active")
    response = dave.client.post(f"/api/project/{empty}/deploy/git", json={})
    assert response.status_code == 400 and response.json()["detail"] == "No files found in workspace to deploy"


def test_a_worker_killed_mid_deployment_is_resumed(stack: Stack, double: tuple[VercelDouble, str]) -> None:
    erin = Api(stack, "deploy_erin")
    project_id = erin.project_with_files("Resumable", {"package.json": b"{}", "app/page.tsx": b"export {}"})
    double[0].build_seconds = 5.0
    try:
        erin.ok("POST", f"/api/project/{project_id}/deploy/git", json={})
        erin.wait_live(project_id, {"building"})
        os.kill(int(stack.state()["children"]["integrations"]), signal.SIGKILL)
        seen = erin.wait_live(project_id, {"deployed", "failed"}, timeout=45)
    finally:
        double[0].build_seconds = 0.6
    assert seen[-1] == "deployed", seen
    done = subprocess.run(
        [sys.executable, "-m", "cheatcode_infra", "events", "--home", str(stack.home),
         "--aggregate", f"deployment:{project_id}"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    types = [json.loads(line)["type"] for line in done.stdout.splitlines() if line.strip()]
    assert "deployment.resumed" in types and types[-1] == "deployment.succeeded", types
    assert types.count("deployment.created") == 1  # resumed by following Vercel, not by deploying twice


def test_without_smtp_settings_make_up_keeps_mail_as_eml_files(stack: Stack) -> None:
    answer = httpx.post(
        f"{stack.base_url}/api/send-welcome-email",
        json={"email": "newcomer@example.com", "name": "New Comer"},
        headers={"X-API-Key": stack.admin_api_key},
    )
    assert answer.status_code == 200, answer.text
    mail = stack.home / "mail"
    deadline = time.monotonic() + 20
    while not list(mail.glob("*.eml")):
        assert time.monotonic() < deadline, "no .eml file in $CHEATCODE_HOME/mail"
        time.sleep(0.1)
    (stored,) = mail.glob("*.eml")
    text = stored.read_text()
    assert "To: New Comer <newcomer@example.com>" in text and "multipart/alternative" in text
