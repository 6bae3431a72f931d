"""The command lines that confine a sandbox command (pure: builds lists of strings).

Order matters: ``nsenter`` (as root) joins the sandbox's network namespace, ``setpriv`` drops to
the sandbox's own unprivileged uid with no supplementary groups, then bubblewrap builds a fresh
mount/PID/IPC/UTS/user namespace in which only ``/usr`` (read-only, plus the usual symlinks), a
few harmless ``/etc`` files, private ``/proc``, ``/dev``, a size-capped ``/tmp`` and the
workspace (read-write) exist. ``prlimit`` inside sets the per-command resource limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cheatcode_sandbox.ports.runtime import Limits

# Shared, non-secret system files programs expect; /etc/shadow and friends are never bound.
ETC_FILES = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "nsswitch.conf",
    "mime.types",
    "ssl",
    "ca-certificates",
    "bash.bashrc",
    "profile",
    "inputrc",
)
SANDBOX_PATH = "/workspace/node_modules/.bin:/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class Confinement:
    bwrap: str
    setpriv: str
    nsenter: str
    prlimit: str
    tmp_bytes: int = 256 * 1024**2


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{name}"]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def bwrap_args(conf: Confinement, *, workspace: Path, etc_dir: Path, cwd: str, share_net: bool) -> list[str]:
    """bubblewrap's own arguments, up to (not including) ``--``."""
    args = [
        conf.bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        *_system_binds(),
        "--ro-bind",
        str(etc_dir / "passwd"),
        "/etc/passwd",
        "--ro-bind",
        str(etc_dir / "group"),
        "/etc/group",
        "--ro-bind",
        str(etc_dir / "hosts"),
        "/etc/hosts",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(conf.tmp_bytes),
        "--tmpfs",
        "/tmp",
        "--bind",
        str(workspace),
        "/workspace",
        "--chdir",
        cwd,
        "--hostname",
        "sandbox",
        # bwrap's root is a tmpfs of its own: read-only, or a command could fill memory through /etc.
        "--remount-ro",
        "/",
    ]
    if share_net:
        args.append("--share-net")
    return args


def privilege_drop(conf: Confinement, uid: int) -> list[str]:
    return [conf.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--"]


def limits_args(conf: Confinement, limits: Limits) -> list[str]:
    return [
        conf.prlimit,
        f"--cpu={limits.cpu_seconds}",
        f"--as={limits.memory_bytes}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def command_argv(
    conf: Confinement,
    *,
    uid: int,
    netns_fd: int,
    workspace: Path,
    etc_dir: Path,
    cwd: str,
    limits: Limits,
    command: str,
) -> list[str]:
    return [
        conf.nsenter,
        f"--net=/proc/self/fd/{netns_fd}",
        "--",
        *privilege_drop(conf, uid),
        *bwrap_args(conf, workspace=workspace, etc_dir=etc_dir, cwd=cwd, share_net=True),
        "--",
        *limits_args(conf, limits),
        "/bin/bash",
        "-c",
        command,
    ]


def holder_argv(conf: Confinement, *, uid: int, workspace: Path, etc_dir: Path) -> list[str]:
    """A short-lived bwrap whose only purpose is to create the sandbox's network namespace."""
    return [
        *privilege_drop(conf, uid),
        *bwrap_args(conf, workspace=workspace, etc_dir=etc_dir, cwd="/", share_net=False),
        "--info-fd",
        "{INFO_FD}",
        "--",
        # bwrap runs this only once the namespace is set up (lo up): "ready" means usable. It
        # then waits for its stdin to close, so ending it never depends on signals reaching it.
        "/bin/sh",
        "-c",
        "echo ready; read line",
    ]


def sandbox_env(app_dir: str) -> dict[str, str]:
    return {
        "PATH": f"{app_dir}/node_modules/.bin:{SANDBOX_PATH}",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "NODE_ENV": "development",
        "PYTHONUNBUFFERED": "1",  # logs of dev servers reach session logs as they happen
    }


def etc_files(uid: int) -> dict[str, str]:
    return {
        "passwd": f"root:x:0:0:root:/root:/usr/sbin/nologin\nuser:x:{uid}:{uid}:sandbox:/tmp:/bin/bash\n",
        "group": f"root:x:0:\nuser:x:{uid}:\n",
        "hosts": "127.0.0.1 localhost sandbox\n::1 localhost\n",
    }
