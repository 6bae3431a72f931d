"""File operations. The workspace is on shared storage, so any replica may serve them."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

from cheatcode_contracts import CommandReply
from cheatcode_contracts.sandbox import (
    ArchiveInfo,
    CreateArchive,
    DeleteFile,
    FileChunk,
    FileDeletedResult,
    FileEntry,
    FileListing,
    FileTree,
    FileTreeResult,
    FileWritten,
    ListFiles,
    MoveFile,
    ReadArchive,
    ReadFile,
    WriteFile,
    app_dir,
    b64decode,
    b64encode,
    reply_result,
)
from cheatcode_runtime.service import Invalid
from cheatcode_sandbox.domain import tree
from cheatcode_sandbox.domain.paths import InvalidPathError, sandbox_path, workspace_parts
from cheatcode_sandbox.handlers import placement
from cheatcode_sandbox.handlers.deps import SandboxDeps, runtime_errors


async def _absolute(deps: SandboxDeps, sandbox_id: str, path: str) -> str:
    """``path`` as an absolute sandbox path (relative ones are under the app directory)."""
    state = await placement.known_state(deps, sandbox_id)
    try:
        return sandbox_path(workspace_parts(path, state.app_type))
    except InvalidPathError as error:
        raise Invalid(str(error)) from None


async def write_file(command: WriteFile, deps: SandboxDeps) -> CommandReply:
    path = await _absolute(deps, command.sandbox_id, command.path)
    try:
        data = b64decode(command.content_b64)
    except ValueError:
        raise Invalid("content_b64 is not valid base64") from None
    with runtime_errors():
        size = await deps.runtime.write_file(
            command.sandbox_id,
            path,
            data,
            append=command.append,
            mode=command.mode,
            permissions=int(command.permissions, 8) if command.permissions else None,
        )
    return CommandReply.success(0, **reply_result(FileWritten(path=path, size=size)))


async def read_file(command: ReadFile, deps: SandboxDeps) -> CommandReply:
    path = await _absolute(deps, command.sandbox_id, command.path)
    with runtime_errors():
        data, size = await deps.runtime.read_file(command.sandbox_id, path, command.offset, command.length)
    chunk = FileChunk(
        path=path, offset=command.offset, size=size, content_b64=b64encode(data), eof=command.offset + len(data) >= size
    )
    return CommandReply.success(0, **reply_result(chunk))


async def list_files(command: ListFiles, deps: SandboxDeps) -> CommandReply:
    path = await _absolute(deps, command.sandbox_id, command.path)
    with runtime_errors():
        entries = await deps.runtime.list_dir(command.sandbox_id, path)
    files = [
        FileEntry(
            name=entry.name,
            path=entry.path,
            is_dir=entry.is_dir,
            size=entry.size,
            mod_time=datetime.fromtimestamp(entry.mod_time, UTC).isoformat(),
            permissions=stat.filemode(entry.mode),
        )
        for entry in entries
    ]
    return CommandReply.success(0, **reply_result(FileListing(files=files)))


async def delete_file(command: DeleteFile, deps: SandboxDeps) -> CommandReply:
    path = await _absolute(deps, command.sandbox_id, command.path)
    if path == "/workspace":
        raise Invalid("the workspace root cannot be deleted")
    with runtime_errors():
        await deps.runtime.delete_path(command.sandbox_id, path)
    return CommandReply.success(0, **reply_result(FileDeletedResult(path=path, deleted=True)))


async def move_file(command: MoveFile, deps: SandboxDeps) -> CommandReply:
    source = await _absolute(deps, command.sandbox_id, command.source)
    destination = await _absolute(deps, command.sandbox_id, command.destination)
    with runtime_errors():
        size = await deps.runtime.move_file(command.sandbox_id, source, destination)
    return CommandReply.success(0, **reply_result(FileWritten(path=destination, size=size)))


async def file_tree(command: FileTree, deps: SandboxDeps) -> CommandReply:
    state = await placement.known_state(deps, command.sandbox_id)
    base = await _absolute(deps, command.sandbox_id, command.path or app_dir(state.app_type))
    with runtime_errors():
        files = await deps.runtime.walk_files(
            command.sandbox_id, base, max_depth=tree.MAX_DEPTH, skip_dirs=tree.EXCLUDED_DIRS
        )
    nodes, total = tree.build_tree(base, files)
    return CommandReply.success(0, **reply_result(FileTreeResult(tree=nodes, total_files=total, base_path=base)))


async def create_archive(command: CreateArchive, deps: SandboxDeps) -> CommandReply:
    await placement.known_state(deps, command.sandbox_id)
    with runtime_errors():
        archive_id, size = await deps.runtime.build_archive(command.sandbox_id, tree.ARCHIVE_EXCLUDED_DIRS)
    info = ArchiveInfo(archive_id=archive_id, size=size, host_instance_id=deps.instance_id)
    return CommandReply.success(0, **reply_result(info))


async def read_archive(command: ReadArchive, deps: SandboxDeps) -> CommandReply:
    with runtime_errors():
        data, size = await deps.runtime.read_archive(command.archive_id, command.offset, command.length)
    chunk = FileChunk(
        path=f"{command.archive_id}.zip",
        offset=command.offset,
        size=size,
        content_b64=b64encode(data),
        eof=command.offset + len(data) >= size,
    )
    return CommandReply.success(0, **reply_result(chunk))
