"""Collecting a workspace's files for upload: walk the app directory, skip §11's exclusions,
read in parallel batches, encode (base64 for binary)."""

from __future__ import annotations

import asyncio
from pathlib import PurePosixPath

from cheatcode_integrations.domain.workspace_files import UploadFile, encode_file, excluded_dir, included
from cheatcode_integrations.ports.workspace import Workspace, WorkspaceEntry, WorkspaceNotFoundError

READ_BATCH = 50
MAX_DEPTH = 20


async def upload_paths(workspace: Workspace, sandbox_id: str, root: str, *, first_only: bool = False) -> list[str]:
    """Every uploadable file under ``root``, relative to it, sorted (``first_only``: stop at one)."""
    base = PurePosixPath(root)
    found: list[str] = []
    level = [root]
    for _ in range(MAX_DEPTH):
        if not level:
            break
        listings = await asyncio.gather(*(_listing(workspace, sandbox_id, path) for path in level))
        level = []
        for entries in listings:
            for entry in entries:
                relative = str(PurePosixPath(entry.path).relative_to(base))
                if entry.is_dir:
                    if not excluded_dir(entry.name):
                        level.append(entry.path)
                elif included(relative):
                    found.append(relative)
        if first_only and found:
            return found[:1]
    return sorted(found)


async def _listing(workspace: Workspace, sandbox_id: str, path: str) -> list[WorkspaceEntry]:
    try:
        return await workspace.list_dir(sandbox_id, path)
    except WorkspaceNotFoundError:
        return []  # removed while we walked (or no app directory at all)


async def has_files(workspace: Workspace, sandbox_id: str, root: str) -> bool:
    return bool(await upload_paths(workspace, sandbox_id, root, first_only=True))


async def collect_files(workspace: Workspace, sandbox_id: str, root: str) -> list[UploadFile]:
    paths = await upload_paths(workspace, sandbox_id, root)
    base = PurePosixPath(root)
    files: list[UploadFile] = []
    for start in range(0, len(paths), READ_BATCH):
        batch = paths[start : start + READ_BATCH]
        contents = await asyncio.gather(*(_read(workspace, sandbox_id, str(base / path)) for path in batch))
        files.extend(
            encode_file(path, content) for path, content in zip(batch, contents, strict=True) if content is not None
        )
    return files


async def _read(workspace: Workspace, sandbox_id: str, path: str) -> bytes | None:
    try:
        return await workspace.read_file(sandbox_id, path)
    except WorkspaceNotFoundError:
        return None  # deleted since the walk
