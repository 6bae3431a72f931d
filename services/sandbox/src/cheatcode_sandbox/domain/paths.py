"""Sandbox paths: what a caller may name, checked before any file system is touched.

A sandbox path is absolute under ``/workspace`` or relative to the app directory. The result is
the path relative to the workspace root, as a tuple of parts, never containing ``..`` or ``.``.
Symlinks are the driver's business (only the real file system can say where they point).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from cheatcode_contracts.sandbox import WORKSPACE_ROOT, app_dir

UID_BASE = 200_000
UID_SPAN = 800_000


class InvalidPathError(ValueError):
    pass


def workspace_parts(path: str, app_type: str = "web") -> tuple[str, ...]:
    """Parts of ``path`` relative to ``/workspace``; raises :class:`InvalidPathError` if it leaves it."""
    if not path or "\x00" in path:
        raise InvalidPathError("path is empty or contains a NUL byte")
    candidate = PurePosixPath(path)
    if not candidate.is_absolute():
        candidate = PurePosixPath(app_dir(app_type)) / candidate
    parts: list[str] = []
    for part in candidate.parts[1:]:
        if part in ("", "."):
            continue
        if part == "..":
            # Never collapse "..": a caller naming it is trying to leave, or is confused.
            raise InvalidPathError(f"path may not contain '..': {path}")
        parts.append(part)
    root = PurePosixPath(WORKSPACE_ROOT).parts[1:]
    if tuple(parts[: len(root)]) != root:
        raise InvalidPathError(f"path is outside {WORKSPACE_ROOT}: {path}")
    return tuple(parts[len(root) :])


def sandbox_path(parts: tuple[str, ...]) -> str:
    return str(PurePosixPath(WORKSPACE_ROOT, *parts))


def sandbox_uid(sandbox_id: str) -> int:
    """A stable unprivileged uid per sandbox, the same on every host (shared workspaces stay owned)."""
    digest = hashlib.sha256(sandbox_id.encode()).digest()
    return UID_BASE + int.from_bytes(digest[:8], "big") % UID_SPAN
