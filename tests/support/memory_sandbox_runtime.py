"""An in-memory sandbox runtime for unit tests of the sandbox lifecycle: which sandboxes run, and
which archives wait to be fetched. It runs no commands and holds no files (those methods raise);
the real drivers are tested against ``tests/support/sandbox_runtime_conformance.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import NoReturn

from cheatcode_sandbox.ports.runtime import (
    DirEntry,
    ExecOutcome,
    Limits,
    PathNotFoundError,
    SandboxProcess,
    SandboxRuntime,
    SandboxSpec,
)

ARCHIVE_TTL_SECONDS = 3600.0


def _no(what: str) -> NoReturn:
    raise NotImplementedError(f"the in-memory runtime has no {what}")


class MemorySandboxRuntime(SandboxRuntime):
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.started: dict[str, SandboxSpec] = {}
        self.stops: list[str] = []
        self.archives: dict[str, float] = {}  # archive id -> when it was built

    def check_available(self) -> None:
        pass

    async def start(self, spec: SandboxSpec) -> None:
        self.started[spec.sandbox_id] = spec

    async def stop(self, sandbox_id: str) -> None:
        self.stops.append(sandbox_id)
        self.started.pop(sandbox_id, None)

    async def destroy(self, sandbox_id: str) -> None:
        await self.stop(sandbox_id)

    def is_running(self, sandbox_id: str) -> bool:
        return sandbox_id in self.started

    def running(self) -> Sequence[str]:
        return list(self.started)

    async def build_archive(self, sandbox_id: str, excluded_dirs: frozenset[str]) -> tuple[str, int]:
        archive_id = f"{len(self.archives):032x}"
        self.archives[archive_id] = self.clock()
        return archive_id, 0

    async def read_archive(self, archive_id: str, offset: int, length: int) -> tuple[bytes, int]:
        if self.archives.pop(archive_id, None) is None:
            raise PathNotFoundError(archive_id)
        return b"", 0

    async def remove_abandoned_archives(self) -> int:
        cutoff = self.clock() - ARCHIVE_TTL_SECONDS
        old = [archive_id for archive_id, built in self.archives.items() if built < cutoff]
        for archive_id in old:
            del self.archives[archive_id]
        return len(old)

    async def run(self, sandbox_id: str, command: str, *, cwd: str, time_limit: float, limits: Limits) -> ExecOutcome:
        _no("commands")

    async def spawn(self, sandbox_id: str, command: str, *, cwd: str, limits: Limits) -> SandboxProcess:
        _no("commands")

    async def write_file(
        self,
        sandbox_id: str,
        path: str,
        data: bytes,
        *,
        append: bool,
        mode: str = "write",
        permissions: int | None = None,
    ) -> int:
        _no("files")

    async def read_file(self, sandbox_id: str, path: str, offset: int, length: int) -> tuple[bytes, int]:
        _no("files")

    async def list_dir(self, sandbox_id: str, path: str) -> list[DirEntry]:
        _no("files")

    async def walk_files(
        self, sandbox_id: str, path: str, *, max_depth: int, skip_dirs: frozenset[str] = frozenset()
    ) -> list[str]:
        _no("files")

    async def delete_path(self, sandbox_id: str, path: str) -> None:
        _no("files")

    async def move_file(self, sandbox_id: str, source: str, destination: str) -> int:
        _no("files")

    async def open_port(self, sandbox_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        _no("network")
