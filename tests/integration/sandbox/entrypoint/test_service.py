"""The sandbox service over NATS: lifecycle events, commands, files, sessions, preview gateway."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client

from cheatcode_contracts import Command, CommandReply, ErrorCode, build_registry, sandbox as sb, subject_for
from cheatcode_contracts.envelope import decode_event
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import NatsSettings
from cheatcode_sandbox.config import Settings
from cheatcode_sandbox.entrypoint.bootstrap import SandboxService, build
from tests.support.requests import request_when_ready, send_command
from tests.support.sandbox_root import traversable_root

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]


@pytest.fixture(scope="module")
def sandbox_root() -> Iterator[Path]:
    yield from traversable_root("cc-sandbox-svc-")


def settings_for(nats_server: NatsServer, root: Path, instance: str) -> Settings:
    return Settings(instance_id=instance, nats=NatsSettings(url=nats_server.url), sandbox_root=root)


@pytest.fixture(scope="module")
async def service(nats_server: NatsServer, nats_client: Client, sandbox_root: Path) -> AsyncIterator[SandboxService]:
    svc = build(settings_for(nats_server, sandbox_root, f"svc-a-{uuid.uuid4().hex[:6]}"))
    await svc.host.app.start()
    yield svc
    await svc.host.app.stop()


async def ask(client: Client, command: Command) -> Any:
    reply = await send_command(client, command, wait=10)
    assert reply.ok, reply.error
    return sb.parse_reply(command, reply)


async def ensured(client: Client, user: str = "u1") -> sb.SandboxInfo:
    info: sb.SandboxInfo = await ask(client, sb.EnsureSandbox(project_id=str(uuid.uuid4()), user_id=user))
    return info


async def event_types(client: Client, sandbox_id: str) -> list[str]:
    js, registry = client.jetstream(), build_registry()
    subject = aggregate_subject(sb.SANDBOX, sandbox_id)
    sub = await js.subscribe(subject, ordered_consumer=True)
    found: list[str] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except Exception:
                return found
            found.append(decode_event(registry, msg.headers, msg.data).type_name)
    finally:
        await sub.unsubscribe()


async def test_ensure_creates_and_starts_once(service: SandboxService, nats_client: Client) -> None:
    project_id = str(uuid.uuid4())
    first = await ask(nats_client, sb.EnsureSandbox(project_id=project_id, user_id="u1"))
    again = await ask(nats_client, sb.EnsureSandbox(project_id=project_id, user_id="u1"))
    assert first.sandbox_id == again.sandbox_id == sb.sandbox_id_for(project_id)
    expected = ("running", service.deps.instance_id, "Sandbox is active")
    assert (first.status, first.host_instance_id, first.message) == expected
    assert await event_types(nats_client, first.sandbox_id) == ["sandbox.created", "sandbox.started"]


async def test_another_user_cannot_ensure_someone_elses_project(service: SandboxService, nats_client: Client) -> None:
    project_id = str(uuid.uuid4())
    await ask(nats_client, sb.EnsureSandbox(project_id=project_id, user_id="owner"))
    reply = await send_command(nats_client, sb.EnsureSandbox(project_id=project_id, user_id="intruder"))
    assert reply.error is not None and reply.error.code == ErrorCode.NOT_FOUND


async def test_blocking_execute_returns_output_and_exit_code(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    result = await ask(nats_client, sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="echo hi"))
    assert (result.output, result.exit_code, result.success, result.blocking) == ("hi\n", 0, True, True)
    failed = await ask(nats_client, sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="false"))
    assert (failed.exit_code, failed.success) == (1, False)


async def test_a_nul_byte_in_a_command_is_invalid_not_internal(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    # Sent as raw JSON: a client that skips the contract's validation still gets a clear refusal.
    body = json.dumps({"sandbox_id": info.sandbox_id, "command": "echo a\x00b"}).encode()
    data = await request_when_ready(nats_client, subject_for(sb.ExecuteCommand), body, wait=10)
    reply = CommandReply.model_validate_json(data)
    assert reply.error is not None and reply.error.code == ErrorCode.INVALID
    assert "command" in reply.error.detail  # the field at fault is named


async def test_a_file_is_moved_into_place(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    sid = info.sandbox_id
    await ask(nats_client, sb.WriteFile(sandbox_id=sid, path="docs/.a.part", content_b64=sb.b64encode(b"whole")))
    moved = await ask(nats_client, sb.MoveFile(sandbox_id=sid, source="docs/.a.part", destination="docs/a.txt"))
    assert (moved.path, moved.size) == ("/workspace/cheatcode-app/docs/a.txt", 5)
    listing = await ask(nats_client, sb.ListFiles(sandbox_id=sid, path="docs"))
    assert [f.name for f in listing.files] == ["a.txt"]
    escape = await send_command(nats_client, sb.MoveFile(sandbox_id=sid, source="docs/a.txt", destination="/etc/x"))
    assert escape.error is not None and escape.error.code == ErrorCode.INVALID


async def test_unknown_sandbox_is_not_found(service: SandboxService, nats_client: Client) -> None:
    for command in (
        sb.ExecuteCommand(sandbox_id=str(uuid.uuid4()), command="true"),
        sb.ReadFile(sandbox_id=str(uuid.uuid4()), path="a"),
    ):
        reply = await send_command(nats_client, command)
        assert reply.error is not None and reply.error.code == ErrorCode.NOT_FOUND


async def test_files_round_trip_in_chunks(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    sid = info.sandbox_id
    payload = os.urandom(sb.MAX_CHUNK_BYTES + 1000)
    await ask(nats_client, sb.WriteFile(sandbox_id=sid, path="src/blob.bin", content_b64=sb.b64encode(payload[:1000])))
    written = await ask(
        nats_client,
        sb.WriteFile(sandbox_id=sid, path="src/blob.bin", content_b64=sb.b64encode(payload[1000:]), append=True),
    )
    assert (written.path, written.size) == ("/workspace/cheatcode-app/src/blob.bin", len(payload))
    first = await ask(nats_client, sb.ReadFile(sandbox_id=sid, path="/workspace/cheatcode-app/src/blob.bin"))
    second = await ask(nats_client, sb.ReadFile(sandbox_id=sid, path="src/blob.bin", offset=sb.MAX_CHUNK_BYTES))
    assert (first.eof, second.eof) == (False, True)
    assert sb.b64decode(first.content_b64) + sb.b64decode(second.content_b64) == payload
    listing = await ask(nats_client, sb.ListFiles(sandbox_id=sid, path="src"))
    assert [(f.name, f.is_dir, f.size) for f in listing.files] == [("blob.bin", False, len(payload))]
    await ask(nats_client, sb.DeleteFile(sandbox_id=sid, path="src/blob.bin"))
    gone = await send_command(nats_client, sb.ReadFile(sandbox_id=sid, path="src/blob.bin"))
    assert gone.error is not None and gone.error.code == ErrorCode.NOT_FOUND


async def test_create_mode_conflicts_on_an_existing_file(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    content = sb.b64encode(b"x")
    await ask(nats_client, sb.WriteFile(sandbox_id=info.sandbox_id, path="a.txt", content_b64=content, mode="create"))
    again = await send_command(
        nats_client, sb.WriteFile(sandbox_id=info.sandbox_id, path="a.txt", content_b64=content, mode="create")
    )
    assert again.error is not None and again.error.code == ErrorCode.CONFLICT


async def test_escaping_paths_are_invalid(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    await ask(nats_client, sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="ln -s /etc/passwd pw"))
    for path in ("../../etc/passwd", "/etc/passwd", "pw"):
        reply = await send_command(nats_client, sb.ReadFile(sandbox_id=info.sandbox_id, path=path))
        assert reply.error is not None and reply.error.code == ErrorCode.INVALID, path


async def test_tree_filters_and_orders_and_archive_skips_build_output(
    service: SandboxService, nats_client: Client
) -> None:
    info = await ensured(nats_client)
    script = "mkdir -p src/b node_modules/x .git && echo 1 > src/b/z.ts && echo 2 > src/A.tsx && echo 3 > package.json"
    script += " && echo 4 > node_modules/x/index.js && echo 5 > .git/HEAD && echo 6 > image.bin"
    assert (await ask(nats_client, sb.ExecuteCommand(sandbox_id=info.sandbox_id, command=script))).exit_code == 0
    tree = await ask(nats_client, sb.FileTree(sandbox_id=info.sandbox_id))
    assert (tree.total_files, tree.base_path) == (3, "/workspace/cheatcode-app")
    assert [node["name"] for node in tree.tree] == ["src", "package.json"]
    assert [node["path"] for node in tree.tree[0]["children"]] == ["src/b", "src/A.tsx"]
    archive = await ask(nats_client, sb.CreateArchive(sandbox_id=info.sandbox_id))
    chunk = await ask(nats_client, sb.ReadArchive(sandbox_id=info.sandbox_id, archive_id=archive.archive_id))
    assert chunk.eof and chunk.size == archive.size
    names = zipfile.ZipFile(io.BytesIO(sb.b64decode(chunk.content_b64))).namelist()
    assert "cheatcode-app/src/b/z.ts" in names and "cheatcode-app/image.bin" in names
    assert not [name for name in names if "node_modules" in name or ".git/" in name]


async def test_session_serves_http_through_the_preview_gateway(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    sid = info.sandbox_id
    await ask(nats_client, sb.WriteFile(sandbox_id=sid, path="hello.txt", content_b64=sb.b64encode(b"hello preview")))
    started = await ask(
        nats_client,
        sb.ExecuteCommand(
            sandbox_id=sid, command="python3 -m http.server 3000 --bind 127.0.0.1", blocking=False, session_name="dev"
        ),
    )
    assert (started.blocking, started.session_name) == (False, "dev")
    target = await ask(nats_client, sb.GetPreviewTarget(sandbox_id=sid, port=3000))
    body = await _get_when_up(target.origin, f"{target.path_prefix}/hello.txt")
    assert body.endswith(b"\r\n\r\nhello preview")
    status = await ask(nats_client, sb.GetSessionStatus(sandbox_id=sid, session_name="dev"))
    assert status.total_commands == 1 and status.commands[0].running
    assert "GET /hello.txt" in status.commands[0].logs
    listed = await ask(nats_client, sb.ListSessions(sandbox_id=sid))
    assert [(s.session_name, s.total_commands) for s in listed.sessions] == [("dev", 1)]
    killed = await ask(nats_client, sb.KillSession(sandbox_id=sid, session_name="dev"))
    assert killed.killed == 1
    after = await ask(nats_client, sb.GetSessionStatus(sandbox_id=sid, session_name="dev"))
    assert not after.commands[0].running


async def test_delete_removes_the_workspace_and_records_it(service: SandboxService, nats_client: Client) -> None:
    info = await ensured(nats_client)
    await ask(nats_client, sb.DeleteSandbox(sandbox_id=info.sandbox_id))
    assert not (service.deps.runtime.is_running(info.sandbox_id))
    assert (await event_types(nats_client, info.sandbox_id))[-1] == "sandbox.deleted"
    reply = await send_command(nats_client, sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="true"))
    assert reply.error is not None and reply.error.code == ErrorCode.NOT_FOUND


async def _get_when_up(origin: str, path: str) -> bytes:
    host, port = origin.removeprefix("http://").split(":")
    for _ in range(200):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET {path} HTTP/1.1\r\nHost: preview\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        if not data.startswith(b"HTTP/1.1 502"):
            return data
        await asyncio.sleep(0.05)  # the dev server is still binding its port
    raise AssertionError("dev server never came up")
