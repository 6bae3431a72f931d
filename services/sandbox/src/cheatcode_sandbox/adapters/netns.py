"""A network namespace per sandbox, and connections into it from the service.

Every command of one sandbox joins the same private network namespace (only ``lo``, no route
out), so a dev server started in a session is reachable by ``curl localhost:3000`` from a later
command. The host never gets a route in: the service itself opens a socket *inside* the namespace
(``setns`` on a worker thread, then back) and relays the preview traffic over it. The sandbox
cannot reach the host's loopback, NATS or PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import socket
from collections.abc import Sequence

CLONE_NEWNET = 0x40000000
HOLDER_TIME_LIMIT = 10.0
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


async def create_namespace(holder_argv: Sequence[str]) -> int:
    """Start ``holder_argv`` (a bwrap with ``--info-fd {INFO_FD}`` printing "ready"), keep an fd of its netns.

    The holder ends as soon as its stdin closes; the open fd keeps the namespace alive.
    """
    read_end, write_end = os.pipe()
    argv = [part.replace("{INFO_FD}", str(write_end)) for part in holder_argv]
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=(write_end,),
            start_new_session=True,
        )
    finally:
        os.close(write_end)
    try:
        raw = await asyncio.wait_for(asyncio.to_thread(_read_all, read_end), HOLDER_TIME_LIMIT)
        assert process.stdout is not None
        ready = await asyncio.wait_for(process.stdout.readline(), HOLDER_TIME_LIMIT) if raw else b""
        if ready != b"ready\n":
            raise OSError(f"sandbox namespace holder failed: {await _stderr(process)}")
        child = int(json.loads(raw)["child-pid"])
        return os.open(f"/proc/{child}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        await _finish(process)


async def _stderr(process: asyncio.subprocess.Process) -> str:
    if process.stderr is None:
        return ""
    with contextlib.suppress(TimeoutError):
        return (await asyncio.wait_for(process.stderr.read(4096), 2)).decode(errors="replace").strip()
    return "no error output"


async def _finish(process: asyncio.subprocess.Process) -> None:
    """End the holder and reap it. wait() also waits for its pipes, held by every process inside."""
    if process.stdin is not None:
        process.stdin.close()  # EOF ends the holder's ``read``: everything inside exits by itself
    try:
        await asyncio.wait_for(process.wait(), HOLDER_TIME_LIMIT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), HOLDER_TIME_LIMIT)


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
            if b"}" in chunk:
                break
    finally:
        os.close(fd)
    return b"".join(chunks)


def _connect_inside(netns_fd: int, port: int, timeout: float) -> socket.socket:
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(netns_fd)
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        finally:
            # This worker thread is reused by the pool: it must go home even if connect failed.
            _setns(own)
    finally:
        os.close(own)
    sock.setblocking(False)
    return sock


async def connect_inside(netns_fd: int, port: int, time_limit: float = 5.0) -> socket.socket:
    """A TCP socket to ``127.0.0.1:port`` in the namespace ``netns_fd`` (ConnectionError if closed)."""
    return await asyncio.to_thread(_connect_inside, netns_fd, port, time_limit)
