"""The sandbox runtime port: where a sandbox's commands run and its files live.

Callers (the handlers) speak only in sandbox paths (``/workspace/...``) and sandbox ids. A driver
decides what a sandbox physically is: the local driver runs each command under bubblewrap on this
host with the workspace on (shared) disk; a Kubernetes driver would run one pod per sandbox and
implement the same methods with pod exec, a volume and a port-forward.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


class SandboxRuntimeError(Exception):
    """Base of the runtime's errors."""


class SandboxUnavailableError(SandboxRuntimeError):
    """The runtime cannot run sandboxes here (e.g. bubblewrap missing and unsafe mode off)."""


class SandboxNotRunningError(SandboxRuntimeError):
    pass


class PathRejectedError(SandboxRuntimeError):
    """A path resolves outside the workspace (``..``, foreign absolute path, escaping symlink)."""


class PathNotFoundError(SandboxRuntimeError):
    pass


class PathExistsError(SandboxRuntimeError):
    pass


class QuotaExceededError(SandboxRuntimeError):
    """The workspace is over its disk cap, or a single write is larger than allowed."""


@dataclass(frozen=True)
class SandboxSpec:
    sandbox_id: str
    app_type: str = "web"


@dataclass(frozen=True)
class Limits:
    """Per-command resource limits."""

    cpu_seconds: int = 120
    memory_bytes: int = 4 * 1024**3
    processes: int = 256
    file_bytes: int = 256 * 1024**2
    open_files: int = 1024
    output_bytes: int = 256 * 1024


@dataclass(frozen=True)
class ExecOutcome:
    output: str
    exit_code: int
    timed_out: bool
    truncated: bool


@dataclass(frozen=True)
class DirEntry:
    name: str
    path: str  # sandbox path
    is_dir: bool
    size: int
    mod_time: float
    mode: int


class SandboxProcess(ABC):
    """A command started without waiting for it (a session command)."""

    command_id: str
    command: str

    @property
    @abstractmethod
    def returncode(self) -> int | None:
        """None while running."""

    @abstractmethod
    def logs(self) -> str:
        """The last bytes of combined stdout/stderr (capped), decoded."""

    @abstractmethod
    async def wait(self) -> int: ...

    @abstractmethod
    async def kill(self) -> None: ...


class SandboxRuntime(ABC):
    """Lifecycle, commands, files and port access of sandboxes hosted by this process."""

    @abstractmethod
    def check_available(self) -> None:
        """Raise :class:`SandboxUnavailableError` with a clear reason if sandboxes cannot run."""

    @abstractmethod
    async def start(self, spec: SandboxSpec) -> None:
        """Make the sandbox runnable here (creating its workspace if new). Idempotent."""

    @abstractmethod
    async def stop(self, sandbox_id: str) -> None:
        """Kill its processes and free host resources; the workspace stays."""

    @abstractmethod
    async def destroy(self, sandbox_id: str) -> None:
        """Stop it and delete its workspace."""

    @abstractmethod
    def is_running(self, sandbox_id: str) -> bool: ...

    @abstractmethod
    def running(self) -> Sequence[str]: ...

    @abstractmethod
    async def run(self, sandbox_id: str, command: str, *, cwd: str, time_limit: float, limits: Limits) -> ExecOutcome:
        """Run ``command`` to completion (killed after ``time_limit`` s)."""

    @abstractmethod
    async def spawn(self, sandbox_id: str, command: str, *, cwd: str, limits: Limits) -> SandboxProcess:
        """Start ``command`` and return at once."""

    # Files. Paths are sandbox paths; anything outside the workspace raises PathRejectedError.

    @abstractmethod
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
        """Write (or append) ``data``; returns the file's new size.

        ``mode``: ``write`` (create or truncate), ``create`` (:class:`PathExistsError` if it exists),
        ``rewrite`` (:class:`PathNotFoundError` if it does not).
        """

    @abstractmethod
    async def read_file(self, sandbox_id: str, path: str, offset: int, length: int) -> tuple[bytes, int]:
        """Bytes ``[offset, offset+length)`` and the file's total size."""

    @abstractmethod
    async def list_dir(self, sandbox_id: str, path: str) -> list[DirEntry]: ...

    @abstractmethod
    async def walk_files(
        self, sandbox_id: str, path: str, *, max_depth: int, skip_dirs: frozenset[str] = frozenset()
    ) -> list[str]:
        """Sandbox paths of regular files under ``path`` (symlinks are not followed)."""

    @abstractmethod
    async def delete_path(self, sandbox_id: str, path: str) -> None: ...

    @abstractmethod
    async def move_file(self, sandbox_id: str, source: str, destination: str) -> int:
        """Rename the regular file ``source`` to ``destination`` (replacing a file there); its size.

        :class:`PathNotFoundError` if ``source`` is missing, :class:`PathRejectedError` if it is
        not a regular file or ``destination`` is a directory.
        """

    @abstractmethod
    async def build_archive(self, sandbox_id: str, excluded_dirs: frozenset[str]) -> tuple[str, int]:
        """Zip the workspace where every replica can read it; returns (archive id, size)."""

    @abstractmethod
    async def read_archive(self, archive_id: str, offset: int, length: int) -> tuple[bytes, int]:
        """A chunk of an archive and its total size; the archive is removed after its last chunk."""

    @abstractmethod
    async def remove_abandoned_archives(self) -> int:
        """Delete the archives whose reader never fetched the last chunk in time; how many went."""

    @abstractmethod
    async def open_port(self, sandbox_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TCP connection to ``127.0.0.1:port`` as seen from inside the sandbox."""
