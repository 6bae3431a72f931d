"""The explicitly unsafe development runtime: works without bubblewrap, keeps the file-path checks.

It passes the runtime contract; confinement is exactly what it does not give.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cheatcode_infra.free_ports import free_port
from cheatcode_sandbox.adapters.bwrap_runtime import LocalRuntimeConfig
from cheatcode_sandbox.adapters.unconfined_runtime import UnconfinedRuntime
from cheatcode_sandbox.config import Settings
from cheatcode_sandbox.entrypoint.bootstrap import build_runtime
from cheatcode_sandbox.ports.runtime import Limits, PathRejectedError, SandboxSpec
from tests.support.sandbox_runtime_conformance import DISK_CAP, SandboxRuntimeContract

APP = "/workspace/cheatcode-app"


@pytest.fixture
async def runtime() -> AsyncIterator[UnconfinedRuntime]:
    root = Path(tempfile.mkdtemp(prefix="cc-unsafe-"))
    runtime = UnconfinedRuntime(LocalRuntimeConfig(root=root / "sandboxes", instance="unsafe", disk_cap_bytes=DISK_CAP))
    yield runtime
    await runtime.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def session_port() -> int:
    return free_port()  # the host's own network: any fixed port might be taken


class TestUnconfinedRuntime(SandboxRuntimeContract):
    pass


async def test_commands_and_files_work_without_confinement(runtime: UnconfinedRuntime) -> None:
    sandbox_id = str(uuid.uuid4())
    await runtime.start(SandboxSpec(sandbox_id=sandbox_id))
    await runtime.write_file(sandbox_id, "note.txt", b"unsafe but working", append=False)
    outcome = await runtime.run(sandbox_id, "cat note.txt", cwd=APP, time_limit=10, limits=Limits())
    assert (outcome.output, outcome.exit_code) == ("unsafe but working", 0)
    slow = await runtime.run(sandbox_id, "sleep 30", cwd=APP, time_limit=1, limits=Limits())
    assert slow.timed_out
    with pytest.raises(PathRejectedError):
        await runtime.read_file(sandbox_id, "../../etc/passwd", 0, 10)


async def test_a_session_port_is_reached_on_the_host_loopback(runtime: UnconfinedRuntime) -> None:
    sandbox_id = str(uuid.uuid4())
    await runtime.start(SandboxSpec(sandbox_id=sandbox_id))

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"pong")
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await runtime.open_port(sandbox_id, port)
        assert await reader.read() == b"pong"
        writer.close()
    finally:
        server.close()


def test_the_unsafe_runtime_is_chosen_only_without_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(tempfile.mkdtemp(prefix="cc-unsafe-choice-"))
    try:
        monkeypatch.setenv("PATH", str(root))  # no bwrap, setpriv, nsenter or prlimit on this PATH
        unsafe = build_runtime(Settings(sandbox_root=root / "s", sandbox_allow_unsafe=True))
        refused = build_runtime(Settings(sandbox_root=root / "s", sandbox_allow_unsafe=False))
        assert isinstance(unsafe, UnconfinedRuntime)
        assert not isinstance(refused, UnconfinedRuntime)
        with pytest.raises(Exception, match="bubblewrap"):
            refused.check_available()
    finally:
        shutil.rmtree(root, ignore_errors=True)
