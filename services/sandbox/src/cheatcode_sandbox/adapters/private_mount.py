"""Making a sandbox root that sandbox uids cannot reach (a 0700 parent) reachable, privately.

bubblewrap runs as the sandbox's uid and opens its bind sources by path, so every parent of the
root must be traversable by that uid, now and later (a root under a private home is not). So the
service process moves into a mount namespace of its own and bind-mounts the root onto a
directory whose parents are the system's (``/run``). Nothing changes for the rest of the host:
the mount is private to this process and its children, and disappears with them. Must run
before any thread starts (``unshare`` refuses a multi-threaded caller).
"""

from __future__ import annotations

import ctypes
import os
import stat
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MOUNT_POINT = Path("/run/cheatcode-sandbox")

_libc = ctypes.CDLL(None, use_errno=True)


def traversable(path: Path) -> bool:
    """Whether a uid with no rights of its own can walk down to ``path``."""
    existing = [parent for parent in [path, *path.parents] if parent.exists()]
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in existing)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def expose_root(root: Path, mount_point: Path = MOUNT_POINT) -> Path:
    """A path at which sandbox uids reach ``root``, whatever happens to its parents later.

    Always the private mount when this process may make one: parents' permissions are not ours
    and do change under us (PostgreSQL's bootstrap opens them, pytest closes its base again).
    Without the privilege, ``root`` itself if it is traversable now.
    """
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o711)
    try:
        return _bind_privately(root, mount_point)
    except OSError:
        if traversable(root):
            return root
        raise


def _bind_privately(root: Path, mount_point: Path) -> Path:
    mount_point.mkdir(mode=0o711, parents=True, exist_ok=True)
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    # Private propagation first, so that the bind below never leaks into the host's namespace.
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    _check(_libc.mount(str(root).encode(), str(mount_point).encode(), None, MS_BIND, None), "bind the sandbox root")
    return mount_point
