"""Sandboxes from outside: the issue's "done when" list, over HTTP against ``cheatcode up``.

Runs its own stack (a small disk cap makes the disk-filling check quick); every escape attempt
is followed by a check that the service still answers.
"""

from __future__ import annotations

import io
import os
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.stack import Stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]
DISK_CAP = 64 * 1024**2


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        Path(tmp_path_factory.mktemp("e2e-sandbox")) / "home", env={"CHEATCODE_SANDBOX_DISK_CAP_BYTES": str(DISK_CAP)}
    )
    running.start(timeout=90)
    yield running
    running.stop()


class Api:
    def __init__(self, stack: Stack, user: str) -> None:
        self.client = httpx.Client(
            base_url=stack.base_url, timeout=60, headers={"Authorization": f"Bearer {stack.token(user)}"}
        )

    def ok(self, method: str, url: str, **options: Any) -> Any:
        response = self.client.request(method, url, **options)
        assert response.status_code == 200, (url, response.status_code, response.text)
        return response.json()

    def run(self, sandbox_id: str, command: str, **options: Any) -> dict[str, Any]:
        return dict(self.ok("POST", f"/api/sandboxes/{sandbox_id}/execute", json={"command": command, **options}))


@pytest.fixture(scope="module")
def alice(stack: Stack) -> Api:
    return Api(stack, "e2e_sandbox_alice")


@pytest.fixture(scope="module")
def sandbox_id(alice: Api) -> str:
    project = alice.ok("POST", "/api/projects", json={"name": "E2E sandbox"})
    ensured = alice.ok("POST", f"/api/project/{project['id']}/sandbox/ensure-active")
    assert (ensured["status"], ensured["message"]) == ("success", "Sandbox is active")
    assert alice.ok("GET", f"/api/projects/{project['id']}")["sandbox"]["id"] == ensured["sandbox_id"]
    return str(ensured["sandbox_id"])


def still_answers(alice: Api, sandbox_id: str) -> None:
    assert alice.run(sandbox_id, "echo hi") == {"output": "hi\n", "exit_code": 0, "success": True, "blocking": True}


def test_echo_hi(alice: Api, sandbox_id: str) -> None:
    still_answers(alice, sandbox_id)


def test_an_uploaded_file_is_listed_in_the_tree_readable_and_archived(alice: Api, sandbox_id: str) -> None:
    payload = os.urandom(700_000)
    created = alice.ok(
        "POST", f"/api/sandboxes/{sandbox_id}/files", data={"path": "src/blob.json"}, files={"file": ("b", payload)}
    )
    assert created == {"status": "success", "created": True, "path": "src/blob.json"}
    files = alice.ok("GET", f"/api/sandboxes/{sandbox_id}/files", params={"path": "/workspace/cheatcode-app/src"})
    assert [(f["name"], f["size"]) for f in files["files"]] == [("blob.json", len(payload))]
    tree = alice.ok("GET", f"/api/sandboxes/{sandbox_id}/files/tree")
    assert tree["tree"][0]["children"][0]["path"] == "src/blob.json"
    content = alice.client.get(f"/api/sandboxes/{sandbox_id}/files/content", params={"path": "src/blob.json"})
    assert content.status_code == 200 and content.content == payload
    archive = alice.client.get(f"/api/sandboxes/{sandbox_id}/download-archive")
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert zipped.testzip() is None
        assert zipped.read("cheatcode-app/src/blob.json") == payload


def test_a_dev_server_session_is_served_through_preview_url(alice: Api, sandbox_id: str) -> None:
    alice.run(sandbox_id, "mkdir -p site && echo '<h1>hello from the sandbox</h1>' > site/index.html")
    started = alice.run(
        sandbox_id,
        "cd site && python3 -m http.server 3000 --bind 127.0.0.1",
        blocking=False,
        session_name="dev_server_web",
    )
    assert started["blocking"] is False and started["session_name"] == "dev_server_web"
    deadline = time.monotonic() + 20
    while (preview := alice.ok("GET", f"/api/sandboxes/{sandbox_id}/preview-url"))["status"] != "available":
        assert time.monotonic() < deadline, preview
        time.sleep(0.2)  # the dev server binds its port a moment after the session starts
    assert urlsplit(preview["preview_url"]).path.startswith(f"/api/preview/{sandbox_id}/")
    page = httpx.get(preview["preview_url"], timeout=30)
    assert page.status_code == 200 and page.text == "<h1>hello from the sandbox</h1>\n"
    status = alice.ok("GET", f"/api/sandboxes/{sandbox_id}/sessions/dev_server_web/status")
    assert status["total_commands"] == 1 and "GET / " in status["commands"][0]["logs"]
    check_websocket_echo(alice, sandbox_id, preview["preview_url"])


def check_websocket_echo(alice: Api, sandbox_id: str, preview_url: str) -> None:
    server = (Path(__file__).parents[1] / "support" / "ws_echo_server.py").read_bytes()
    alice.ok("POST", f"/api/sandboxes/{sandbox_id}/files", data={"path": "ws.py"}, files={"file": ("ws.py", server)})
    alice.run(sandbox_id, "python3 ws.py 3001", blocking=False, session_name="ws")
    url = "ws" + preview_url.removeprefix("http").replace("/3000/", "/3001/") + "socket"
    deadline = time.monotonic() + 20
    while True:
        try:
            with connect(url, open_timeout=5) as socket:
                socket.send("hot reload")
                assert socket.recv(timeout=10) == "echo:hot reload"
                socket.send(b"\x00\x01")
                assert socket.recv(timeout=10) == b"echo:\x00\x01"
            return
        except (OSError, InvalidStatus):
            assert time.monotonic() < deadline
            time.sleep(0.2)  # the server binds its port a moment after the session starts


def test_another_user_gets_404_everywhere(stack: Stack, alice: Api, sandbox_id: str) -> None:
    bob = Api(stack, "e2e_sandbox_bob")
    for method, url, options in [
        ("GET", f"/api/sandboxes/{sandbox_id}/files?path=/workspace", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/files/tree", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/files/content?path=src/blob.json", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/download-archive", {}),
        ("POST", f"/api/sandboxes/{sandbox_id}/files", {"data": {"path": "x"}, "files": {"file": ("x", b"x")}}),
        ("DELETE", f"/api/sandboxes/{sandbox_id}/files?path=src", {}),
        ("POST", f"/api/sandboxes/{sandbox_id}/execute", {"json": {"command": "id"}}),
        ("GET", f"/api/sandboxes/{sandbox_id}/sessions/dev_server_web/status", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/preview-url", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/expo-url", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/dev-server/stream", {}),
        ("DELETE", f"/api/sandboxes/{sandbox_id}", {}),
    ]:
        assert bob.client.request(method, url, **options).status_code == 404, url
    still_answers(alice, sandbox_id)


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "/workspace/../etc/shadow", "passwd-link"])
def test_file_routes_do_not_leave_the_workspace(alice: Api, sandbox_id: str, path: str) -> None:
    alice.run(sandbox_id, "ln -sf /etc/passwd passwd-link")
    response = alice.client.get(f"/api/sandboxes/{sandbox_id}/files/content", params={"path": path})
    assert 400 <= response.status_code < 500 and b"root:" not in response.content
    upload = alice.client.post(f"/api/sandboxes/{sandbox_id}/files", data={"path": path}, files={"file": ("x", b"x")})
    assert 400 <= upload.status_code < 500
    still_answers(alice, sandbox_id)


def test_commands_are_contained(stack: Stack, alice: Api, sandbox_id: str) -> None:
    shadow = alice.run(sandbox_id, "cat /etc/shadow")
    assert shadow["exit_code"] != 0 and "root:" not in shadow["output"]
    outside = alice.run(sandbox_id, "echo x > /usr/planted; echo x > /planted; ls /usr/planted /planted")
    assert outside["exit_code"] != 0 and not Path("/usr/planted").exists() and not Path("/planted").exists()
    state = stack.state()
    for url in (state["nats_url"], state["database_url"], state["api_url"]):
        port = urlsplit(url).port
        probe = f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 2); print('OPEN')\""
        result = alice.run(sandbox_id, probe)
        assert result["exit_code"] != 0 and "OPEN" not in result["output"], url
    still_answers(alice, sandbox_id)


def test_fork_bomb_endless_loop_and_disk_filling_are_stopped(alice: Api, sandbox_id: str) -> None:
    began = time.monotonic()
    loop = alice.run(sandbox_id, "while :; do :; done", timeout=2)
    assert loop["exit_code"] != 0 and time.monotonic() - began < 15
    bomb = alice.run(sandbox_id, "b(){ b|b& }; b; sleep 30", timeout=5)
    assert bomb["exit_code"] != 0
    still_answers(alice, sandbox_id)
    fill = alice.run(sandbox_id, "i=0; while :; do i=$((i+1)); head -c 4000000 /dev/zero > fill$i; done", timeout=120)
    assert fill["exit_code"] != 0 and "disk cap" in fill["output"]
    alice.run(sandbox_id, "rm -f fill*")
    still_answers(alice, sandbox_id)
