"""File operations on a workspace directory, done by the (privileged) service on the sandbox's behalf.

The sandbox owns its workspace and can plant symlinks or swap directories at any moment, so no
path is ever resolved by the kernel in one go: we walk it one component at a time from a
directory fd with ``O_NOFOLLOW`` (a symlink component fails with ``ELOOP``). When a symlink is
met, its real target is computed once and used only if it stays inside the workspace; the
resolved path is then walked again the same way, so a swap in between fails instead of escaping.
Blocking calls: the runtime runs these in a thread.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cheatcode_sandbox.ports.runtime import (
    DirEntry,
    PathExistsError,
    PathNotFoundError,
    PathRejectedError,
    QuotaExceededError,
)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
WRITE_FLAGS = {
    "write": os.O_CREAT | os.O_TRUNC,
    "create": os.O_CREAT | os.O_EXCL,
    "rewrite": os.O_TRUNC,
    "append": os.O_CREAT | os.O_APPEND,
}
_SANDBOX_ROOT = "/workspace"


class WorkspaceFiles:
    def __init__(self, root: Path, uid: int, *, disk_cap_bytes: int) -> None:
        self.root = root
        self.uid = uid
        self.disk_cap_bytes = disk_cap_bytes

    # --- walking ----------------------------------------------------------------------------

    @contextmanager
    def _dir(self, parts: tuple[str, ...], *, create: bool = False) -> Iterator[int]:
        """A directory fd for ``parts`` (relative to the workspace), closed on exit."""
        try:
            fd = self._walk(parts, create=create)
        except OSError as error:
            # A symlink component fails with ELOOP, or ENOTDIR when it points at a directory.
            if error.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise self._translate(error, parts) from None
            resolved = self._resolve_inside(parts)
            if resolved == parts:
                raise self._translate(error, parts) from None
            try:
                fd = self._walk(resolved, create=create)
            except OSError as again:
                raise self._translate(again, resolved) from None
        try:
            yield fd
        finally:
            os.close(fd)

    def _walk(self, parts: tuple[str, ...], *, create: bool) -> int:
        fd = os.open(self.root, _DIR_FLAGS)
        try:
            for part in parts:
                if create:
                    try:
                        os.mkdir(part, 0o755, dir_fd=fd)
                        os.chown(part, self.uid, self.uid, dir_fd=fd, follow_symlinks=False)
                    except FileExistsError:
                        pass
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = next_fd
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _resolve_inside(self, parts: tuple[str, ...]) -> tuple[str, ...]:
        real_root = os.path.realpath(self.root)
        real = os.path.realpath(os.path.join(self.root, *parts))
        if real != real_root and not real.startswith(real_root + os.sep):
            raise PathRejectedError("path leads outside the workspace through a symlink")
        return tuple(Path(real).relative_to(real_root).parts)

    def _translate(self, error: OSError, parts: tuple[str, ...]) -> Exception:
        shown = "/".join((_SANDBOX_ROOT, *parts))
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return PathNotFoundError(f"no such file or directory: {shown}")
        if error.errno == errno.EEXIST:
            return PathExistsError(f"already exists: {shown}")
        if error.errno == errno.ELOOP:
            return PathRejectedError(f"symlink refused: {shown}")
        if error.errno in (errno.EISDIR,):
            return PathRejectedError(f"is a directory: {shown}")
        return PathRejectedError(f"cannot access {shown}: {os.strerror(error.errno or 0)}")

    def _final(self, parts: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
        if not parts:
            raise PathRejectedError("the workspace root itself cannot be used as a file")
        return parts[:-1], parts[-1]

    def _open_file(self, parts: tuple[str, ...], flags: int, *, create_parents: bool = False) -> int:
        parent, name = self._final(parts)
        with self._dir(parent, create=create_parents) as dir_fd:
            try:
                return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=dir_fd)
            except OSError as error:
                if error.errno != errno.ELOOP:
                    raise self._translate(error, parts) from None
        resolved = self._resolve_inside(parts)
        parent, name = self._final(resolved)
        with self._dir(parent) as dir_fd:
            try:
                return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=dir_fd)
            except OSError as error:
                raise self._translate(error, resolved) from None

    # --- operations -------------------------------------------------------------------------

    def ensure_dir(self, parts: tuple[str, ...]) -> None:
        with self._dir(parts, create=True):
            pass

    def write(
        self, parts: tuple[str, ...], data: bytes, *, append: bool, mode: str = "write", permissions: int | None = None
    ) -> int:
        if self.usage() + len(data) > self.disk_cap_bytes:
            raise QuotaExceededError("workspace disk cap reached")
        # O_NONBLOCK: a FIFO planted by the sandbox must fail, not block this thread forever.
        flags = os.O_WRONLY | os.O_NONBLOCK | WRITE_FLAGS["append" if append else mode]
        fd = self._open_file(parts, flags, create_parents=mode != "rewrite")
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PathRejectedError("not a regular file")
            os.fchown(fd, self.uid, self.uid)
            if permissions is not None:
                os.fchmod(fd, permissions)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def read(self, parts: tuple[str, ...], offset: int, length: int) -> tuple[bytes, int]:
        fd = self._open_file(parts, os.O_RDONLY | os.O_NONBLOCK)
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise PathRejectedError("is a directory")
            if not stat.S_ISREG(info.st_mode):
                raise PathRejectedError("not a regular file")
            return os.pread(fd, length, offset), info.st_size
        finally:
            os.close(fd)

    def list_dir(self, parts: tuple[str, ...]) -> list[DirEntry]:
        base = "/".join((_SANDBOX_ROOT, *parts))
        with self._dir(parts) as dir_fd:
            entries = []
            for entry in os.scandir(dir_fd):
                info = entry.stat(follow_symlinks=False)
                entries.append(
                    DirEntry(
                        name=entry.name,
                        path=f"{base}/{entry.name}",
                        is_dir=stat.S_ISDIR(info.st_mode),
                        size=info.st_size,
                        mod_time=info.st_mtime,
                        mode=info.st_mode,
                    )
                )
        return sorted(entries, key=lambda e: e.name)

    def delete(self, parts: tuple[str, ...]) -> None:
        parent, name = self._final(parts)
        with self._dir(parent) as dir_fd:
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    # rmtree with dir_fd uses fd-relative, symlink-safe removal on Linux.
                    shutil.rmtree(name, dir_fd=dir_fd)
                else:
                    os.unlink(name, dir_fd=dir_fd)
            except OSError as error:
                raise self._translate(error, parts) from None

    def move(self, source: tuple[str, ...], destination: tuple[str, ...]) -> int:
        """rename(2) between two parent directory fds; the source is never followed.

        A symlink at ``destination`` is treated as ``write`` treats it: followed if its target
        stays inside the workspace (that target is replaced), refused if it leads out.
        """
        source_parent, source_name = self._final(source)
        target_parent, target_name = self._final(destination)
        with self._dir(source_parent) as source_fd, self._dir(target_parent, create=True) as target_fd:
            try:
                info = os.stat(source_name, dir_fd=source_fd, follow_symlinks=False)
            except OSError as error:
                raise self._translate(error, source) from None
            if not stat.S_ISREG(info.st_mode):
                raise PathRejectedError("only regular files can be moved")
            try:
                existing = os.stat(target_name, dir_fd=target_fd, follow_symlinks=False)
            except FileNotFoundError:
                existing = None
            shown = "/".join((_SANDBOX_ROOT, *destination))
            if existing is not None and stat.S_ISDIR(existing.st_mode):
                raise PathRejectedError(f"is a directory: {shown}")
            if existing is None or not stat.S_ISLNK(existing.st_mode):
                try:
                    os.rename(source_name, target_name, src_dir_fd=source_fd, dst_dir_fd=target_fd)
                except OSError as error:
                    raise self._translate(error, destination) from None
                return info.st_size
        resolved = self._resolve_inside(destination)  # PathRejectedError when it leads out
        if resolved == destination:
            raise PathRejectedError(f"symlink refused: {shown}")
        return self.move(source, resolved)

    def walk_files(self, parts: tuple[str, ...], *, max_depth: int, skip_dirs: frozenset[str]) -> list[str]:
        found: list[str] = []
        with self._dir(parts) as dir_fd:
            self._collect(dir_fd, "/".join((_SANDBOX_ROOT, *parts)), max_depth, skip_dirs, found)
        return found

    def _collect(self, dir_fd: int, base: str, depth: int, skip_dirs: frozenset[str], found: list[str]) -> None:
        for entry in os.scandir(dir_fd):
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth <= 0 or entry.name in skip_dirs:
                    continue
                try:
                    child = os.open(entry.name, _DIR_FLAGS, dir_fd=dir_fd)
                except OSError:
                    continue  # swapped or removed meanwhile
                try:
                    self._collect(child, f"{base}/{entry.name}", depth - 1, skip_dirs, found)
                finally:
                    os.close(child)
            elif entry.is_file(follow_symlinks=False):
                found.append(f"{base}/{entry.name}")

    def usage(self) -> int:
        """Bytes used by the workspace (regular files, symlinks not followed)."""
        total = 0
        for dirpath, _dirs, files in os.walk(self.root, followlinks=False):
            for name in files:
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
                except OSError:
                    continue
        return total

    def zip_to(self, target: Path, skip_dirs: frozenset[str]) -> int:
        files = self.walk_files((), max_depth=64, skip_dirs=skip_dirs)
        prefix = _SANDBOX_ROOT + "/"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                parts = tuple(path.removeprefix(prefix).split("/"))
                try:
                    fd = self._open_file(parts, os.O_RDONLY | os.O_NONBLOCK)
                except (PathRejectedError, PathNotFoundError):
                    continue
                with os.fdopen(fd, "rb") as source, archive.open(path.removeprefix(prefix), "w") as sink:
                    shutil.copyfileobj(source, sink, 256 * 1024)
        return target.stat().st_size
