"""Supervised children: restarted when they die, stopped with their whole process group."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from cheatcode_infra.processes import Backoff, ChildSpec, SupervisedChild


def _spec(tmp_path: Path, code: str) -> ChildSpec:
    return ChildSpec(
        name="child", argv=[sys.executable, "-c", code], env=dict(os.environ), log_file=tmp_path / "child.log"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


async def test_a_child_that_dies_is_restarted_with_backoff(tmp_path: Path) -> None:
    started: asyncio.Queue[int] = asyncio.Queue()
    exits: list[int] = []
    child = SupervisedChild(
        _spec(tmp_path, "import time; print('up', flush=True); time.sleep(60)"),
        backoff=Backoff(initial=0.05),
        on_start=started.put_nowait,
        on_exit=lambda _name, code: exits.append(code),
    )
    child.start()
    first = await asyncio.wait_for(started.get(), 10)
    os.kill(first, 9)
    second = await asyncio.wait_for(started.get(), 10)
    assert second != first
    assert exits == [-9]
    assert child.restarts == 1
    await child.stop()
    assert not _alive(second)


async def test_stop_takes_the_whole_process_group(tmp_path: Path) -> None:
    started: asyncio.Queue[int] = asyncio.Queue()
    grandchild_file = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time;"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        f"open({str(grandchild_file)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    child = SupervisedChild(_spec(tmp_path, code), on_start=started.put_nowait, stop_timeout=5)
    child.start()
    leader = await asyncio.wait_for(started.get(), 10)
    for _ in range(500):  # the file appears once the grandchild runs
        if grandchild_file.exists() and grandchild_file.read_text():
            break
        await asyncio.sleep(0.01)
    grandchild = int(grandchild_file.read_text())
    assert os.getpgid(grandchild) == leader  # its own session: Ctrl-C in a terminal does not reach it
    await child.stop()
    assert not _alive(leader)
    assert not _alive(grandchild)


async def test_a_child_ignoring_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    started: asyncio.Queue[int] = asyncio.Queue()
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True)"
    code += "; time.sleep(60)"
    child = SupervisedChild(_spec(tmp_path, code), on_start=started.put_nowait, stop_timeout=0.5)
    child.start()
    pid = await asyncio.wait_for(started.get(), 10)
    for _ in range(500):  # wait until the handler is installed (it prints once it is)
        if "ready" in (tmp_path / "child.log").read_text():
            break
        await asyncio.sleep(0.01)
    await child.stop()
    assert not _alive(pid)
    assert child.restarts == 0


def test_backoff_doubles_and_resets_after_a_healthy_run() -> None:
    backoff = Backoff(initial=1, maximum=4, healthy_after=10)
    assert [backoff.after_exit(0.1) for _ in range(4)] == [1, 2, 4, 4]
    assert backoff.after_exit(60) == 1
