"""Local child processes: capped output capture, timeouts that kill the whole process group.

Every sandbox command is started in a new session (``start_new_session``), so killing the group
kills nsenter/setpriv/bwrap and, because bwrap's init dies with it (``--die-with-parent``), the
sandbox's whole PID namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Sequence

from cheatcode_sandbox.ports.runtime import ExecOutcome, SandboxProcess


def kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def kill_uid(uid: int, *, settle: float = 2.0) -> int:
    """SIGKILL every process of ``uid`` on this machine and wait (up to ``settle`` s) until none is
    left alive (zombies aside); returns how many were signalled.

    Each sandbox runs as a uid of its own, so this is "everything the sandbox runs here". It is the
    safety net for processes whose bubblewrap parent died without taking them along (its
    parent-death signal is not always delivered to the sandbox's init). A SIGKILLed process is not
    gone at once, and callers record the sandbox stopped right after: hence the wait, which also
    catches a process forked between the scan and the signal.
    """
    signalled: set[int] = set()
    deadline = time.monotonic() + settle
    while live := _live_pids(uid):
        for pid in live:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                signalled.add(pid)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    return len(signalled)


def _live_pids(uid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if entry.stat(follow_symlinks=False).st_uid == uid:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                    if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                        found.append(int(entry.name))
    return found


class OutputBuffer:
    """Keeps the first ``cap`` bytes (``head=True``) or the last ``cap`` bytes of a stream."""

    def __init__(self, cap: int, *, head: bool) -> None:
        self.cap = cap
        self.head = head
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.head:
            room = self.cap - len(self.data)
            if room > 0:
                self.data += chunk[:room]
            return
        self.data += chunk
        if len(self.data) > self.cap:
            del self.data[: len(self.data) - self.cap]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.data)

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


async def _pump(stream: asyncio.StreamReader | None, sink: OutputBuffer) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        sink.add(chunk)  # keep draining past the cap so the child never blocks on a full pipe


async def start(
    argv: Sequence[str], *, env: dict[str, str] | None = None, pass_fds: Sequence[int] = ()
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        env=env,
        pass_fds=tuple(pass_fds),
    )


async def run_capped(
    argv: Sequence[str],
    *,
    time_limit: float,
    output_cap: int,
    active: set[asyncio.subprocess.Process],
    env: dict[str, str] | None = None,
    pass_fds: Sequence[int] = (),
) -> ExecOutcome:
    """Run to completion; ``active`` holds the process meanwhile (so a watchdog can kill it)."""
    process = await start(argv, env=env, pass_fds=pass_fds)
    sink = OutputBuffer(output_cap, head=True)
    pump = asyncio.create_task(_pump(process.stdout, sink))
    active.add(process)
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), time_limit)
    except TimeoutError:
        timed_out = True
    finally:
        # Killed before it is reaped, so the group id cannot belong to a recycled pid yet.
        if process.returncode is None:
            kill_group(process)
        await process.wait()
        active.discard(process)
    # The pipe closes once every holder of it is dead; bound the wait in case one escaped the group.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(pump, 2.0)
    pump.cancel()
    code = process.returncode if process.returncode is not None else -9
    return ExecOutcome(
        output=sink.text(), exit_code=124 if timed_out else code, timed_out=timed_out, truncated=sink.truncated
    )


class LocalProcess(SandboxProcess):
    """A session command: its output goes to a ring buffer of the last ``log_cap`` bytes."""

    def __init__(self, process: asyncio.subprocess.Process, command: str, log_cap: int) -> None:
        self.command_id = uuid.uuid4().hex
        self.command = command
        self._process = process
        self._logs = OutputBuffer(log_cap, head=False)
        self._pump = asyncio.create_task(_pump(process.stdout, self._logs))

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def logs(self) -> str:
        return self._logs.text()

    @property
    def process(self) -> asyncio.subprocess.Process:
        return self._process

    async def wait(self) -> int:
        code = await self._process.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._pump, 2.0)
        return code

    async def kill(self) -> None:
        if self._process.returncode is None:
            kill_group(self._process)
        await self.wait()
