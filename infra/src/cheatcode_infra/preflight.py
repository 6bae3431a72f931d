"""Checks before anything starts, so a misconfiguration fails at once with a clear message."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path


class PreflightError(RuntimeError):
    pass


@contextlib.contextmanager
def exclusive_home(root: Path) -> Iterator[None]:
    """One ``cheatcode up`` per home: a second one would fight over the same data dirs."""
    root.mkdir(parents=True, exist_ok=True)
    lock_path = root / "up.lock"
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            raise PreflightError(
                f"another `cheatcode up` (pid {holder}) is running with {root}; stop it or use another --home"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)  # the kernel also releases it if we die


def ensure_port_free(host: str, port: int, what: str, variable: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = f"{what} port {host}:{port} is not available ({error.strerror})"
            raise PreflightError(f"{reason}; set {variable} to another port") from None
