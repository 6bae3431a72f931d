"""The local sandbox runtime: bubblewrap on this host, workspaces under one (shareable) root.

Layout under ``root`` (``CHEATCODE_SANDBOX_ROOT``)::

    workspaces/<sandbox_id>/     the workspace, owned by the sandbox's uid, mode 0700
    hosts/<instance>/<sandbox_id>/etc/   passwd/group/hosts shown inside (not secret)
    archives/                    zips waiting to be fetched (root only)

A started sandbox holds an fd of its network namespace and the set of its live processes. A
watchdog measures the workspace while anything runs and kills everything once it is over the
disk cap (RLIMIT_FSIZE alone caps one file, not the sum).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cheatcode_contracts.sandbox import app_dir
from cheatcode_sandbox.adapters import bwrap_argv, netns, private_mount, processes
from cheatcode_sandbox.adapters.workspace_fs import WorkspaceFiles
from cheatcode_sandbox.domain.paths import InvalidPathError, sandbox_uid, workspace_parts
from cheatcode_sandbox.ports.runtime import (
    DirEntry,
    ExecOutcome,
    Limits,
    PathNotFoundError,
    PathRejectedError,
    SandboxNotRunningError,
    SandboxProcess,
    SandboxRuntime,
    SandboxSpec,
    SandboxUnavailableError,
)

logger = logging.getLogger("cheatcode.sandbox.runtime")
ARCHIVE_TTL_SECONDS = 3600
QUOTA_NOTE = "\n[killed: the workspace is over its disk cap]\n"


@dataclass(frozen=True)
class LocalRuntimeConfig:
    root: Path
    instance: str
    # Where sandbox uids see ``root`` (see ``private_mount.expose_root``); None: at ``root`` itself.
    visible_root: Path | None = None
    disk_cap_bytes: int = 2 * 1024**3
    session_log_bytes: int = 256 * 1024
    watchdog_interval: float = 1.0
    tmp_bytes: int = 256 * 1024**2


@dataclass
class _Box:
    spec: SandboxSpec
    uid: int
    workspace: Path
    etc_dir: Path
    netns_fd: int
    files: WorkspaceFiles
    active: set[asyncio.subprocess.Process] = field(default_factory=set)
    sessions: list[processes.LocalProcess] = field(default_factory=list)
    over_quota: bool = False
    watchdog: asyncio.Task[None] | None = None


def find_tools() -> bwrap_argv.Confinement | None:
    tools = {name: shutil.which(name) for name in ("bwrap", "setpriv", "nsenter", "prlimit")}
    if any(path is None for path in tools.values()):
        return None
    return bwrap_argv.Confinement(
        bwrap=str(tools["bwrap"]),
        setpriv=str(tools["setpriv"]),
        nsenter=str(tools["nsenter"]),
        prlimit=str(tools["prlimit"]),
    )


class BwrapRuntime(SandboxRuntime):
    def __init__(self, config: LocalRuntimeConfig, confinement: bwrap_argv.Confinement | None = None) -> None:
        self.config = config
        self.conf = confinement if confinement is not None else find_tools()
        self._boxes: dict[str, _Box] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._host_dir = config.root / "hosts" / config.instance.replace("/", "_")
        # Archives are on the shared root so that any replica can serve the chunks.
        self._archives = config.root / "archives"

    # --- lifecycle --------------------------------------------------------------------------

    def check_available(self) -> None:
        if self.conf is None:
            raise SandboxUnavailableError(
                "bubblewrap (bwrap), setpriv, nsenter and prlimit are required to run sandboxes; install "
                "bubblewrap (apt-get install bubblewrap)"
            )
        if os.geteuid() != 0:
            raise SandboxUnavailableError("the local sandbox runtime must run as root to drop to per-sandbox uids")
        if not private_mount.traversable(self._visible(self.config.root)):
            raise SandboxUnavailableError(
                f"{self.config.root} is not traversable by sandbox uids (a parent lacks o+x); start the service "
                "with python -m cheatcode_sandbox, which exposes it through a private mount"
            )

    def _visible(self, path: Path) -> Path:
        if self.config.visible_root is None:
            return path
        return self.config.visible_root / path.relative_to(self.config.root)

    def _workspace(self, sandbox_id: str) -> Path:
        return self.config.root / "workspaces" / sandbox_id

    def _prepare_dirs(self, spec: SandboxSpec, uid: int) -> tuple[Path, Path]:
        for directory in (
            self.config.root,
            self.config.root / "workspaces",
            self.config.root / "hosts",
            self._host_dir,
        ):
            directory.mkdir(mode=0o711, exist_ok=True)
            directory.chmod(0o711)
        workspace = self._workspace(spec.sandbox_id)
        workspace.mkdir(mode=0o700, exist_ok=True)
        os.chown(workspace, uid, uid)
        etc_dir = self._host_dir / spec.sandbox_id / "etc"
        etc_dir.mkdir(parents=True, exist_ok=True)
        etc_dir.parent.chmod(0o711)
        etc_dir.chmod(0o755)
        for name, text in bwrap_argv.etc_files(uid).items():
            (etc_dir / name).write_text(text)
            (etc_dir / name).chmod(0o644)
        (self._archives).mkdir(mode=0o700, exist_ok=True)
        return workspace, etc_dir

    async def start(self, spec: SandboxSpec) -> None:
        self.check_available()
        async with self._lock(spec.sandbox_id):
            if spec.sandbox_id in self._boxes:
                return
            uid = sandbox_uid(spec.sandbox_id)
            # Leftovers of a previous host on this machine (one that died) must not run on.
            await asyncio.to_thread(processes.kill_uid, uid)
            workspace, etc_dir = await asyncio.to_thread(self._prepare_dirs, spec, uid)
            files = WorkspaceFiles(workspace, uid, disk_cap_bytes=self.config.disk_cap_bytes)
            # The default working directory exists from the start (commands chdir into it).
            await asyncio.to_thread(files.ensure_dir, workspace_parts(app_dir(spec.app_type), spec.app_type))
            netns_fd = await self._create_namespace(uid, workspace, etc_dir)
            box = _Box(spec=spec, uid=uid, workspace=workspace, etc_dir=etc_dir, netns_fd=netns_fd, files=files)
            box.watchdog = asyncio.create_task(self._watch_disk(box))
            self._boxes[spec.sandbox_id] = box

    async def stop(self, sandbox_id: str) -> None:
        async with self._lock(sandbox_id):
            box = self._boxes.pop(sandbox_id, None)
            if box is None:
                # Not hosted by this process; whatever a dead host left on this machine goes.
                await asyncio.to_thread(processes.kill_uid, sandbox_uid(sandbox_id))
                return
            if box.watchdog is not None:
                box.watchdog.cancel()
            await self._kill_all(box)
            if box.netns_fd >= 0:
                os.close(box.netns_fd)

    async def destroy(self, sandbox_id: str) -> None:
        await self.stop(sandbox_id)
        workspace = self._workspace(sandbox_id)
        await asyncio.to_thread(shutil.rmtree, workspace, True)
        await asyncio.to_thread(shutil.rmtree, self._host_dir / sandbox_id, True)

    def is_running(self, sandbox_id: str) -> bool:
        return sandbox_id in self._boxes

    def running(self) -> Sequence[str]:
        return list(self._boxes)

    def _lock(self, sandbox_id: str) -> asyncio.Lock:
        return self._locks.setdefault(sandbox_id, asyncio.Lock())

    def _box(self, sandbox_id: str) -> _Box:
        box = self._boxes.get(sandbox_id)
        if box is None:
            raise SandboxNotRunningError(f"sandbox {sandbox_id} is not running on this host")
        return box

    async def _kill_all(self, box: _Box) -> None:
        for process in list(box.active):
            processes.kill_group(process)
        for session in box.sessions:
            await session.kill()
        await asyncio.to_thread(processes.kill_uid, box.uid)

    async def _watch_disk(self, box: _Box) -> None:
        while True:
            await asyncio.sleep(self.config.watchdog_interval)
            if not box.active and not any(s.returncode is None for s in box.sessions):
                continue
            try:
                used = await asyncio.to_thread(box.files.usage)
            except OSError:
                continue
            if used > self.config.disk_cap_bytes:
                logger.warning(
                    "sandbox %s over its disk cap (%d bytes): killing its processes", box.spec.sandbox_id, used
                )
                box.over_quota = True
                await self._kill_all(box)

    # --- commands ---------------------------------------------------------------------------

    async def _create_namespace(self, uid: int, workspace: Path, etc_dir: Path) -> int:
        assert self.conf is not None
        holder = bwrap_argv.holder_argv(
            self.conf, uid=uid, workspace=self._visible(workspace), etc_dir=self._visible(etc_dir)
        )
        return await netns.create_namespace(holder)

    def _pass_fds(self, box: _Box) -> tuple[int, ...]:
        return (box.netns_fd,) if box.netns_fd >= 0 else ()

    def _argv(self, box: _Box, command: str, cwd: str, limits: Limits) -> list[str]:
        assert self.conf is not None
        try:
            parts = workspace_parts(cwd, box.spec.app_type)
        except InvalidPathError as error:
            raise PathRejectedError(str(error)) from None
        return bwrap_argv.command_argv(
            self.conf,
            uid=box.uid,
            netns_fd=box.netns_fd,
            workspace=self._visible(box.workspace),
            etc_dir=self._visible(box.etc_dir),
            cwd="/".join(("/workspace", *parts)),
            limits=limits,
            command=command,
        )

    async def run(self, sandbox_id: str, command: str, *, cwd: str, time_limit: float, limits: Limits) -> ExecOutcome:
        box = self._box(sandbox_id)
        argv = self._argv(box, command, cwd, limits)
        box.over_quota = False
        outcome = await processes.run_capped(
            argv,
            time_limit=time_limit,
            output_cap=limits.output_bytes,
            active=box.active,
            env=bwrap_argv.sandbox_env(app_dir(box.spec.app_type)),
            pass_fds=self._pass_fds(box),
        )
        if box.over_quota:
            return ExecOutcome(
                outcome.output + QUOTA_NOTE, outcome.exit_code or 137, outcome.timed_out, outcome.truncated
            )
        return outcome

    async def spawn(self, sandbox_id: str, command: str, *, cwd: str, limits: Limits) -> SandboxProcess:
        box = self._box(sandbox_id)
        argv = self._argv(box, command, cwd, limits)
        process = await processes.start(
            argv, env=bwrap_argv.sandbox_env(app_dir(box.spec.app_type)), pass_fds=self._pass_fds(box)
        )
        session = processes.LocalProcess(process, command, self.config.session_log_bytes)
        box.sessions = [s for s in box.sessions if s.returncode is None] + [session]
        return session

    # --- files ------------------------------------------------------------------------------

    def _files(self, sandbox_id: str, app_type: str = "web") -> WorkspaceFiles:
        box = self._boxes.get(sandbox_id)
        if box is not None:
            return box.files
        # Files of a stopped sandbox are still reachable: its workspace is on disk.
        workspace = self._workspace(sandbox_id)
        if not workspace.is_dir():
            raise PathNotFoundError(f"sandbox {sandbox_id} has no workspace")
        return WorkspaceFiles(workspace, sandbox_uid(sandbox_id), disk_cap_bytes=self.config.disk_cap_bytes)

    def _parts(self, sandbox_id: str, path: str) -> tuple[str, ...]:
        box = self._boxes.get(sandbox_id)
        try:
            return workspace_parts(path, box.spec.app_type if box else "web")
        except InvalidPathError as error:
            raise PathRejectedError(str(error)) from None

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
        files, parts = self._files(sandbox_id), self._parts(sandbox_id, path)
        return await asyncio.to_thread(files.write, parts, data, append=append, mode=mode, permissions=permissions)

    async def read_file(self, sandbox_id: str, path: str, offset: int, length: int) -> tuple[bytes, int]:
        files, parts = self._files(sandbox_id), self._parts(sandbox_id, path)
        return await asyncio.to_thread(files.read, parts, offset, length)

    async def list_dir(self, sandbox_id: str, path: str) -> list[DirEntry]:
        files, parts = self._files(sandbox_id), self._parts(sandbox_id, path)
        return await asyncio.to_thread(files.list_dir, parts)

    async def walk_files(
        self, sandbox_id: str, path: str, *, max_depth: int, skip_dirs: frozenset[str] = frozenset()
    ) -> list[str]:
        files, parts = self._files(sandbox_id), self._parts(sandbox_id, path)
        return await asyncio.to_thread(files.walk_files, parts, max_depth=max_depth, skip_dirs=skip_dirs)

    async def delete_path(self, sandbox_id: str, path: str) -> None:
        files, parts = self._files(sandbox_id), self._parts(sandbox_id, path)
        await asyncio.to_thread(files.delete, parts)

    async def move_file(self, sandbox_id: str, source: str, destination: str) -> int:
        files = self._files(sandbox_id)
        parts = self._parts(sandbox_id, source), self._parts(sandbox_id, destination)
        return await asyncio.to_thread(files.move, *parts)

    async def build_archive(self, sandbox_id: str, excluded_dirs: frozenset[str]) -> tuple[str, int]:
        files = self._files(sandbox_id)
        archive_id = uuid.uuid4().hex
        target = self._archives / f"{archive_id}.zip"
        await asyncio.to_thread(target.parent.mkdir, mode=0o700, parents=True, exist_ok=True)
        await self.remove_abandoned_archives()
        size = await asyncio.to_thread(files.zip_to, target, excluded_dirs)
        return archive_id, size

    async def remove_abandoned_archives(self) -> int:
        """Archives whose reader never fetched the last chunk go after an hour."""
        return await asyncio.to_thread(self._remove_archives_before, time.time() - ARCHIVE_TTL_SECONDS)

    def _remove_archives_before(self, cutoff: float) -> int:
        removed = 0
        for old in self._archives.glob("*.zip"):
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()
                    removed += 1
        return removed

    async def read_archive(self, archive_id: str, offset: int, length: int) -> tuple[bytes, int]:
        target = self._archives / f"{archive_id}.zip"

        def read() -> tuple[bytes, int]:
            with open(target, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                handle.seek(offset)
                data = handle.read(length)
            if offset + len(data) >= size:
                target.unlink(missing_ok=True)
            return data, size

        try:
            return await asyncio.to_thread(read)
        except FileNotFoundError:
            raise PathNotFoundError(f"no archive {archive_id} on this host") from None

    async def open_port(self, sandbox_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        box = self._box(sandbox_id)
        sock = await netns.connect_inside(box.netns_fd, port)
        return await asyncio.open_connection(sock=sock)

    async def close(self) -> None:
        for sandbox_id in list(self._boxes):
            with contextlib.suppress(Exception):
                await self.stop(sandbox_id)
