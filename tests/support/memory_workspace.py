"""An in-memory stand-in for a sandbox workspace (the integrations ``Workspace`` port), for unit tests."""

from __future__ import annotations

from pathlib import PurePosixPath

from cheatcode_integrations.ports.workspace import (
    Workspace,
    WorkspaceEntry,
    WorkspaceNotFoundError,
    WorkspaceUnavailableError,
)


class MemoryWorkspace(Workspace):
    def __init__(self, files: dict[str, dict[str, bytes]] | None = None) -> None:
        self.files: dict[str, dict[str, bytes]] = files or {}  # sandbox id -> absolute path -> bytes
        self.unavailable = 0  # fail this many calls with WorkspaceUnavailableError
        self.reads = 0

    def put(self, sandbox_id: str, path: str, content: bytes | str) -> None:
        data = content.encode() if isinstance(content, str) else content
        self.files.setdefault(sandbox_id, {})[path] = data

    def _check(self) -> None:
        if self.unavailable > 0:
            self.unavailable -= 1
            raise WorkspaceUnavailableError("sandbox service did not answer")

    async def list_dir(self, sandbox_id: str, path: str) -> list[WorkspaceEntry]:
        self._check()
        files = self.files.get(sandbox_id)
        if files is None:
            raise WorkspaceNotFoundError("sandbox not found")
        base = PurePosixPath(path)
        entries: dict[str, WorkspaceEntry] = {}
        for full, content in files.items():
            full_path = PurePosixPath(full)
            if base not in full_path.parents:
                continue
            first = full_path.relative_to(base).parts[0]
            child = base / first
            is_dir = child != full_path
            entries[first] = WorkspaceEntry(
                name=first, path=str(child), is_dir=is_dir, size=0 if is_dir else len(content)
            )
        if not entries and not any(base in PurePosixPath(f).parents for f in files):
            raise WorkspaceNotFoundError(f"{path}: no such directory")
        return list(entries.values())

    async def read_file(self, sandbox_id: str, path: str) -> bytes:
        self._check()
        self.reads += 1
        try:
            return self.files[sandbox_id][path]
        except KeyError:
            raise WorkspaceNotFoundError(path) from None
