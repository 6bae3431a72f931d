"""The sandbox routes of the API, with the real agent and sandbox services, NATS and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.aio.client import Client

from cheatcode_contracts.subjects import ping_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings
from cheatcode_sandbox.config import Settings as SandboxSettings
from cheatcode_sandbox.entrypoint.bootstrap import build as build_sandbox
from tests.integration.api.gateway.conftest import agent, api_settings, jwks, running_api, token
from tests.support.clerk_double import JwksDouble
from tests.support.requests import request_when_ready

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]
__all__ = ["agent", "jwks"]  # fixtures re-exported so that pytest finds them here

ALICE, BOB = token("sandbox_alice"), token("sandbox_bob")


@pytest.fixture(scope="module")
def sandbox_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="cc-sandbox-api-"))
    root.chmod(0o711)
    yield root / "sandboxes"
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
async def sandbox_service(nats_server: NatsServer, nats_client: Client, sandbox_root: Path) -> AsyncIterator[None]:
    settings = SandboxSettings(
        instance_id=f"sbx-api-{uuid.uuid4().hex[:6]}", nats=NatsSettings(url=nats_server.url), sandbox_root=sandbox_root
    )
    service = build_sandbox(settings)
    await service.host.app.start()
    await request_when_ready(nats_client, ping_subject("sandbox"), b"")
    yield
    await service.host.app.stop()


@pytest.fixture(scope="module")
async def api(
    agent: None, sandbox_service: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (client, _):
        yield client


async def new_sandbox(api: httpx.AsyncClient, headers: dict[str, str] = ALICE) -> tuple[str, str]:
    project = await api.post("/api/projects", json={"name": "My App!"}, headers=headers)
    assert project.status_code == 200, project.text
    project_id = project.json()["id"]
    ensured = await api.post(f"/api/project/{project_id}/sandbox/ensure-active", headers=headers)
    assert ensured.status_code == 200, ensured.text
    body = ensured.json()
    assert (body["status"], body["message"]) == ("success", "Sandbox is active")
    return project_id, body["sandbox_id"]


async def execute(api: httpx.AsyncClient, sandbox_id: str, command: str, **options: Any) -> dict[str, Any]:
    response = await api.post(
        f"/api/sandboxes/{sandbox_id}/execute", json={"command": command, **options}, headers=ALICE
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def content_of(api: httpx.AsyncClient, sandbox_id: str, path: str) -> httpx.Response:
    return await api.get(f"/api/sandboxes/{sandbox_id}/files/content", params={"path": path}, headers=ALICE)


async def test_ensure_active_then_echo(api: httpx.AsyncClient) -> None:
    project_id, sandbox_id = await new_sandbox(api)
    project = (await api.get(f"/api/projects/{project_id}", headers=ALICE)).json()
    assert project["sandbox"]["id"] == sandbox_id
    again = await api.post(f"/api/project/{project_id}/sandbox/ensure-active", headers=ALICE)
    assert again.json()["sandbox_id"] == sandbox_id
    result = await execute(api, sandbox_id, "echo hi")
    assert result == {"output": "hi\n", "exit_code": 0, "success": True, "blocking": True}


async def test_upload_list_tree_content_archive_delete(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    payload = bytes(range(256)) * 3000  # 768 000 bytes: more than one NATS chunk
    uploaded = await api.post(
        f"/api/sandboxes/{sandbox_id}/files",
        data={"path": "/workspace/cheatcode-app/src/data.json"},
        files={"file": ("data.json", payload, "application/json")},
        headers=ALICE,
    )
    assert uploaded.json() == {"status": "success", "created": True, "path": "/workspace/cheatcode-app/src/data.json"}
    listing = await api.get(f"/api/sandboxes/{sandbox_id}/files", params={"path": "src"}, headers=ALICE)
    [entry] = listing.json()["files"]
    assert (entry["name"], entry["path"], entry["is_dir"], entry["size"]) == (
        "data.json",
        "/workspace/cheatcode-app/src/data.json",
        False,
        len(payload),
    )
    tree = (await api.get(f"/api/sandboxes/{sandbox_id}/files/tree", headers=ALICE)).json()
    assert tree["totalFiles"] == 1 and tree["basePath"] == "/workspace/cheatcode-app"
    assert tree["tree"][0]["children"][0]["fullPath"] == "/workspace/cheatcode-app/src/data.json"
    content = await api.get(
        f"/api/sandboxes/{sandbox_id}/files/content", params={"path": "src/data.json"}, headers=ALICE
    )
    assert content.status_code == 200 and content.content == payload
    assert content.headers["content-disposition"] == "attachment; filename*=UTF-8''data.json"
    archive = await api.get(f"/api/sandboxes/{sandbox_id}/download-archive", headers=ALICE)
    assert archive.headers["content-disposition"] == 'attachment; filename="My_App_-code.zip"'
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert zipped.read("cheatcode-app/src/data.json") == payload
    deleted = await api.delete(f"/api/sandboxes/{sandbox_id}/files", params={"path": "src/data.json"}, headers=ALICE)
    assert deleted.json() == {"status": "success", "deleted": True, "path": "/workspace/cheatcode-app/src/data.json"}
    missing = await api.get(
        f"/api/sandboxes/{sandbox_id}/files/content", params={"path": "src/data.json"}, headers=ALICE
    )
    assert missing.status_code == 404 and missing.json()["detail"].startswith("Failed to download file")


async def test_escapes_through_file_routes_are_4xx(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    await execute(api, sandbox_id, "ln -s /etc/passwd pw && ln -s / root")
    for path in ("../../etc/passwd", "/etc/passwd", "pw", "root/etc/passwd"):
        response = await content_of(api, sandbox_id, path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert b"root:" not in response.content
    assert (await execute(api, sandbox_id, "echo still"))["output"] == "still\n"


async def test_uploads_above_the_cap_are_413(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    response = await api.post(
        f"/api/sandboxes/{sandbox_id}/files",
        data={"path": "big.bin"},
        files={"file": ("big.bin", b"x" * (10 * 1024**2 + 1), "application/octet-stream")},
        headers=ALICE,
    )
    assert response.status_code == 413


async def test_a_rejected_upload_leaves_the_workspace_as_it_was(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)

    async def upload(path: str, payload: bytes) -> httpx.Response:
        files = {"file": ("f.bin", payload, "application/octet-stream")}
        return await api.post(f"/api/sandboxes/{sandbox_id}/files", data={"path": path}, files=files, headers=ALICE)

    assert (await upload("up/kept.bin", b"old")).status_code == 200
    too_big = b"x" * (10 * 1024**2 + 1)
    assert (await upload("up/kept.bin", too_big)).status_code == 413
    assert (await upload("up/new.bin", too_big)).status_code == 413
    assert (await content_of(api, sandbox_id, "up/kept.bin")).content == b"old"
    assert (await content_of(api, sandbox_id, "up/new.bin")).status_code == 404
    listing = await api.get(f"/api/sandboxes/{sandbox_id}/files", params={"path": "up"}, headers=ALICE)
    assert [entry["name"] for entry in listing.json()["files"]] == ["kept.bin"]  # no partial copies
    assert (await upload("up/kept.bin", b"new")).status_code == 200
    assert (await content_of(api, sandbox_id, "up/kept.bin")).content == b"new"


async def test_a_nul_byte_in_a_command_is_422(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    for body in ({"command": "echo a\x00b"}, {"command": "pwd", "cwd": "/workspace\x00/x"}):
        response = await api.post(f"/api/sandboxes/{sandbox_id}/execute", json=body, headers=ALICE)
        assert response.status_code == 422, response.text
        assert "NUL" in response.json()["detail"]
    assert (await execute(api, sandbox_id, "echo fine"))["output"] == "fine\n"


async def test_other_users_unknown_ids_and_anonymous_callers_get_nothing(api: httpx.AsyncClient) -> None:
    project_id, sandbox_id = await new_sandbox(api)
    routes = [
        ("POST", f"/api/project/{project_id}/sandbox/ensure-active", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/files?path=/workspace", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/files/tree", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/files/content?path=a", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/download-archive", {}),
        ("DELETE", f"/api/sandboxes/{sandbox_id}/files?path=a", {}),
        ("POST", f"/api/sandboxes/{sandbox_id}/execute", {"json": {"command": "id"}}),
        ("GET", f"/api/sandboxes/{sandbox_id}/sessions/s/status", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/preview-url", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/expo-url", {}),
        ("GET", f"/api/sandboxes/{sandbox_id}/dev-server/stream", {}),
        ("DELETE", f"/api/sandboxes/{sandbox_id}", {}),
    ]
    for method, url, extra in routes:
        assert (await api.request(method, url, headers=BOB, **extra)).status_code == 404, url
        assert (await api.request(method, url, **extra)).status_code == 401, url
        unknown = url.replace(sandbox_id, str(uuid.uuid4())).replace(project_id, str(uuid.uuid4()))
        assert (await api.request(method, unknown, headers=ALICE, **extra)).status_code == 404, unknown
    assert (await execute(api, sandbox_id, "echo mine"))["output"] == "mine\n"


async def test_dev_server_session_is_served_through_the_preview_route(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    not_yet = (await api.get(f"/api/sandboxes/{sandbox_id}/preview-url", headers=ALICE)).json()
    assert not_yet == {"preview_url": None, "status": "dev_server_not_running"}
    await execute(api, sandbox_id, "echo '<p>from the sandbox</p>' > index.html")
    started = await execute(
        api, sandbox_id, "python3 -m http.server 3000 --bind 127.0.0.1", blocking=False, session_name="dev_server_web"
    )
    assert started == {
        "session_name": "dev_server_web",
        "command_id": started["command_id"],
        "message": "Command started in session 'dev_server_web'",
        "blocking": False,
    }
    stream = await api.get(f"/api/sandboxes/{sandbox_id}/dev-server/stream", headers=ALICE)
    frames = [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
    assert frames[0] == {"type": "status", "status": "checking"} and frames[-1] == {"type": "done"}
    assert {"type": "status", "status": "running"} in frames
    preview = await _preview_when_up(api, sandbox_id)
    assert preview["status"] == "available"
    page = await api.get(preview["preview_url"] + "index.html")
    assert page.status_code == 200 and page.text == "<p>from the sandbox</p>\n"
    wrong_token = preview["preview_url"].replace(preview["preview_url"].split("/")[-3], "x" * 32)
    assert (await api.get(wrong_token + "index.html")).status_code == 404
    status = (await api.get(f"/api/sandboxes/{sandbox_id}/sessions/dev_server_web/status", headers=ALICE)).json()
    assert status["total_commands"] == 1 and status["commands"][0]["exit_code"] is None
    assert "GET /index.html" in status["commands"][0]["logs"]


async def test_dev_server_stream_of_an_unknown_session_says_stopped(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    stream = await api.get(f"/api/sandboxes/{sandbox_id}/dev-server/stream?session_name=nope", headers=ALICE)
    assert stream.headers["content-type"].startswith("text/event-stream")
    frames = [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
    assert frames == [
        {"type": "status", "status": "checking"},
        {"type": "status", "status": "stopped", "message": "Session not found"},
        {"type": "done"},
    ]


async def test_expo_url_of_a_web_project_is_not_mobile(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    body = (await api.get(f"/api/sandboxes/{sandbox_id}/expo-url", headers=ALICE)).json()
    assert (body["expo_url"], body["status"]) == (None, "not_mobile_project")


async def test_delete_sandbox_then_it_is_gone(api: httpx.AsyncClient) -> None:
    _, sandbox_id = await new_sandbox(api)
    deleted = await api.delete(f"/api/sandboxes/{sandbox_id}", headers=ALICE)
    assert deleted.json() == {"status": "success", "deleted": True, "sandbox_id": sandbox_id}
    gone = await api.post(f"/api/sandboxes/{sandbox_id}/execute", json={"command": "true"}, headers=ALICE)
    assert gone.status_code == 404


async def test_ensure_active_after_delete_gives_a_fresh_workspace(api: httpx.AsyncClient) -> None:
    project_id, sandbox_id = await new_sandbox(api)
    await execute(api, sandbox_id, "echo old > old.txt")
    assert (await api.delete(f"/api/sandboxes/{sandbox_id}", headers=ALICE)).status_code == 200
    again = await api.post(f"/api/project/{project_id}/sandbox/ensure-active", headers=ALICE)
    assert again.status_code == 200 and again.json()["sandbox_id"] == sandbox_id
    assert (await execute(api, sandbox_id, "ls"))["output"] == ""


async def _preview_when_up(api: httpx.AsyncClient, sandbox_id: str) -> dict[str, Any]:
    for _ in range(100):
        body = dict((await api.get(f"/api/sandboxes/{sandbox_id}/preview-url", headers=ALICE)).json())
        if body["status"] == "available":
            return body
        await asyncio.sleep(0.1)  # the dev server binds its port a moment after it starts
    raise AssertionError("preview never became available")
