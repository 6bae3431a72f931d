"""Sandbox use cases behind the ``/api/sandboxes`` and ``/api/project/{id}/sandbox`` routes.

Access: only the project's owner gets in; for anyone else a sandbox does not exist (404).
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

from cheatcode_api.domain.rows import SandboxRow
from cheatcode_api.handlers import errors
from cheatcode_api.handlers.deps import NotFoundError
from cheatcode_api.ports.commands import CommandBus
from cheatcode_api.ports.read_models import CheckpointWaiter
from cheatcode_api.ports.sandboxes import SandboxReads
from cheatcode_contracts import sandbox as sb
from cheatcode_contracts.projects import as_app_type, preview_port as app_preview_port

PROJECTION = "sandboxes"
SANDBOX_NOT_FOUND = "Sandbox not found"
PROJECT_NOT_FOUND = "Project not found"
MAX_UPLOAD_BYTES = 10 * 1024**2
MAX_DOWNLOAD_BYTES = 100 * 1024**2
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class SandboxDeps:
    commands: CommandBus
    rows: SandboxReads
    waiter: CheckpointWaiter


class TooLargeError(errors.TooLargeError):
    pass


async def owned_sandbox(deps: SandboxDeps, user_id: str, sandbox_id: str) -> SandboxRow:
    row = await deps.rows.sandbox(sandbox_id)
    if row is None or row.user_id != user_id:
        raise NotFoundError(SANDBOX_NOT_FOUND)
    return row


async def ensure_active(deps: SandboxDeps, user_id: str, project_id: str) -> sb.SandboxInfo:
    project = await deps.rows.project(project_id)
    if project is None or project.user_id != user_id:
        raise NotFoundError(PROJECT_NOT_FOUND)
    command = sb.EnsureSandbox(project_id=project_id, user_id=user_id, app_type=as_app_type(project.app_type))
    reply = await deps.commands.send(command)
    info = sb.SandboxInfo.model_validate(reply.result)
    await deps.waiter.wait_for(PROJECTION, reply.position)  # the next sandbox route must find it
    return info


def clean_upload_path(path: str) -> str:
    """The original's decoding: URL escapes and literal ``\\uXXXX`` sequences."""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), unquote(path))


async def upload(deps: SandboxDeps, row: SandboxRow, path: str, chunks: AsyncIterator[bytes]) -> str:
    """Write in chunks of at most ``MAX_CHUNK_BYTES`` (the NATS payload cap) under a temporary
    name beside the target, then move it into place: a rejected or broken upload leaves the
    target as it was (and its partial copy is removed). Returns the path written."""
    target, written, first = clean_upload_path(path), 0, True
    partial = partial_upload_path(target)
    try:
        async for chunk in chunks:
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                raise TooLargeError(f"File too large: the limit is {MAX_UPLOAD_BYTES} bytes")
            for start in range(0, len(chunk), sb.MAX_CHUNK_BYTES):
                piece = chunk[start : start + sb.MAX_CHUNK_BYTES]
                await _write(deps, row, partial, piece, append=not first)
                first = False
        if first:  # an empty file is still a file
            await _write(deps, row, partial, b"", append=False)
        await deps.commands.send(sb.MoveFile(sandbox_id=row.sandbox_id, source=partial, destination=target))
    except BaseException:
        if not first:
            with contextlib.suppress(Exception):  # best effort: the first error is the one to report
                await deps.commands.send(sb.DeleteFile(sandbox_id=row.sandbox_id, path=partial))
        raise
    return target


def partial_upload_path(target: str) -> str:
    """A hidden name in the target's directory (a rename there is atomic)."""
    where = PurePosixPath(target)
    if where.name in ("", ".", ".."):
        return target  # not a file name: the sandbox refuses it with a clear 4xx
    return str(where.with_name(f".{where.name}.{uuid.uuid4().hex[:12]}.uploading"))


async def _write(deps: SandboxDeps, row: SandboxRow, path: str, data: bytes, *, append: bool) -> None:
    command = sb.WriteFile(sandbox_id=row.sandbox_id, path=path, content_b64=sb.b64encode(data), append=append)
    await deps.commands.send(command)


async def read_all(deps: SandboxDeps, row: SandboxRow, path: str) -> bytes:
    data, offset = bytearray(), 0
    while True:
        chunk = await deps.commands.ask(sb.ReadFile(sandbox_id=row.sandbox_id, path=path, offset=offset), sb.FileChunk)
        if chunk.size > MAX_DOWNLOAD_BYTES:
            raise TooLargeError(f"File too large to download: the limit is {MAX_DOWNLOAD_BYTES} bytes")
        data += sb.b64decode(chunk.content_b64)
        offset = len(data)
        if chunk.eof:
            return bytes(data)


async def archive(deps: SandboxDeps, row: SandboxRow) -> bytes:
    info = await deps.commands.ask(sb.CreateArchive(sandbox_id=row.sandbox_id), sb.ArchiveInfo)
    if info.size > MAX_DOWNLOAD_BYTES:
        raise TooLargeError("The workspace is too large to download as one archive")
    data = bytearray()
    while True:
        command = sb.ReadArchive(sandbox_id=row.sandbox_id, archive_id=info.archive_id, offset=len(data))
        chunk = await deps.commands.ask(command, sb.FileChunk)
        data += sb.b64decode(chunk.content_b64)
        if chunk.eof:
            return bytes(data)


def archive_name(project_name: str) -> str:
    return f"{re.sub(r'[^A-Za-z0-9]', '_', project_name) or 'project'}-code.zip"


async def execute(deps: SandboxDeps, row: SandboxRow, body: dict[str, Any]) -> sb.ExecuteResult:
    return await deps.commands.ask(sb.ExecuteCommand(sandbox_id=row.sandbox_id, **body), sb.ExecuteResult)


async def session_status(deps: SandboxDeps, row: SandboxRow, session_name: str) -> sb.SessionStatus:
    command = sb.GetSessionStatus(sandbox_id=row.sandbox_id, session_name=session_name)
    return await deps.commands.ask(command, sb.SessionStatus)


async def port_open(deps: SandboxDeps, row: SandboxRow, port: int) -> bool:
    """Whether something listens on ``port`` inside the sandbox (the original's curl check)."""
    probe = f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 2)\""
    result = await deps.commands.ask(
        sb.ExecuteCommand(sandbox_id=row.sandbox_id, command=probe, timeout=10, cwd="/workspace"), sb.ExecuteResult
    )
    return result.exit_code == 0


def preview_port(row: SandboxRow) -> int:
    return app_preview_port(row.app_type)


def preview_url(base_url: str, row: SandboxRow, port: int) -> str:
    return f"{base_url.rstrip('/')}/api/preview/{row.sandbox_id}/{row.preview_token}/{port}/"
