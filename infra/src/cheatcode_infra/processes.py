"""Child processes the supervisor owns: one log file each, restarted with backoff if they die.

Every child runs in a session (process group) of its own, so a terminal's Ctrl-C reaches
only the supervisor, which then stops the children in order; stopping signals the whole
group, so grandchildren (workers, dev servers) go too. On Linux a child also gets
SIGTERM when the supervisor dies without cleaning up (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("cheatcode.up")

_PR_SET_PDEATHSIG = 1
# Resolved once here: the hook below runs between fork and exec, where loading is unsafe.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when our parent dies (runs in children between fork and exec)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_file: Path
    # PostgreSQL's fast shutdown is SIGINT (its SIGTERM waits for every client to leave).
    stop_signal: signal.Signals = signal.SIGTERM


@dataclass
class Backoff:
    """Restart delays: ``initial`` doubling up to ``maximum``; reset after a long healthy run."""

    initial: float = 0.5
    maximum: float = 30.0
    healthy_after: float = 30.0
    _next: float = field(default=0.0, init=False)

    def after_exit(self, ran_for: float) -> float:
        if ran_for >= self.healthy_after or self._next == 0.0:
            self._next = self.initial
        else:
            self._next = min(self._next * 2, self.maximum)
        return self._next


class SupervisedChild:
    """Keeps one child running until ``stop()``; a crash is logged and the child restarted."""

    def __init__(
        self,
        spec: ChildSpec,
        *,
        stop_timeout: float = 10.0,
        backoff: Backoff | None = None,
        on_start: Callable[[int], None] | None = None,
        on_exit: Callable[[str, int], None] | None = None,
    ) -> None:
        self.spec = spec
        self._stop_timeout = stop_timeout
        self._backoff = backoff or Backoff()
        self._on_start = on_start
        self._on_exit = on_exit
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()
        self._first_attempt = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_running(), name=f"child:{self.spec.name}")

    async def wait_first_attempt(self) -> None:
        """Until the first spawn has been tried (so ``pid`` is known unless it failed)."""
        await self._first_attempt.wait()

    async def _spawn(self) -> asyncio.subprocess.Process:
        self.spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        # A local append-only file: opening it does not block the loop in any way that matters.
        with open(self.spec.log_file, "ab", buffering=0) as output:  # noqa: ASYNC230
            return await asyncio.create_subprocess_exec(
                *self.spec.argv,
                env=self.spec.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    async def _keep_running(self) -> None:
        try:
            await self._restart_loop()
        finally:
            self._first_attempt.set()  # never leave a waiter hanging (stopped before the first spawn)

    async def _restart_loop(self) -> None:
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                self._process = await self._spawn()
            except OSError as error:
                log.error("%s: cannot start: %s", self.spec.name, error)
                self._first_attempt.set()
                code = -1
            else:
                log.info("%s: started (pid %d, log %s)", self.spec.name, self._process.pid, self.spec.log_file)
                self._first_attempt.set()
                if self._on_start is not None:
                    self._on_start(self._process.pid)
                code = await self._process.wait()
            if self._stopping.is_set():
                return
            if self._process is not None:
                # What the dead leader left in its group (workers, dev servers) must not outlive it
                # and hold its ports or data dir against the restart.
                _signal_group(self._process.pid, signal.SIGKILL)
            if self._on_exit is not None:
                self._on_exit(self.spec.name, code)
            delay = self._backoff.after_exit(time.monotonic() - began)
            log.warning("%s: exited unexpectedly (code %s); restarting in %.1fs", self.spec.name, code, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            self.restarts += 1

    async def stop(self) -> None:
        """``stop_signal`` to the child's process group, SIGKILL after ``stop_timeout``. Idempotent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        process = self._process
        if process is not None and process.returncode is None:
            _signal_group(process.pid, self.spec.stop_signal)
            try:
                await asyncio.wait_for(process.wait(), self._stop_timeout)
            except TimeoutError:
                signame = self.spec.stop_signal.name
                log.warning("%s: no exit %.0fs after %s; killing", self.spec.name, self._stop_timeout, signame)
        if process is not None:
            # Also reaps grandchildren that outlived a leader which did exit on SIGTERM.
            _signal_group(process.pid, signal.SIGKILL)
            await process.wait()
        if self._task is not None:
            await self._task
        log.info("%s: stopped", self.spec.name)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
