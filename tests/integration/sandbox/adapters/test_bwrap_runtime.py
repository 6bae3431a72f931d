"""The bubblewrap driver against both runtime conformance suites: contract and confinement (needs bwrap and root)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cheatcode_sandbox.adapters.bwrap_runtime import BwrapRuntime, LocalRuntimeConfig
from cheatcode_sandbox.ports.runtime import SandboxSpec, SandboxUnavailableError
from tests.support.sandbox_runtime_conformance import DISK_CAP, SandboxConfinement, SandboxRuntimeContract

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root")


@pytest.fixture(scope="module")
def sandbox_root() -> Iterator[Path]:
    # Sandbox uids must traverse the root's parents; pytest's tmp dirs are 0700.
    root = Path(tempfile.mkdtemp(prefix="cc-sandbox-test-"))
    root.chmod(0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def runtime(sandbox_root: Path) -> AsyncIterator[BwrapRuntime]:
    config = LocalRuntimeConfig(
        root=sandbox_root / uuid.uuid4().hex, instance="test", disk_cap_bytes=DISK_CAP, watchdog_interval=0.2
    )
    runtime = BwrapRuntime(config)
    yield runtime
    await runtime.close()


@pytest.fixture
async def host_port() -> AsyncIterator[int]:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()


@pytest.fixture
def session_port() -> int:
    return 3000  # the sandbox has its own network namespace: the web app's port is always free there


class TestBwrapRuntime(SandboxRuntimeContract, SandboxConfinement):
    pass


async def test_missing_bubblewrap_is_a_clear_refusal(sandbox_root: Path) -> None:
    runtime = BwrapRuntime(LocalRuntimeConfig(root=sandbox_root / "none", instance="t"), confinement=None)
    runtime.conf = None
    with pytest.raises(SandboxUnavailableError, match="bubblewrap"):
        await runtime.start(SandboxSpec(sandbox_id="x"))


async def test_a_root_sandbox_uids_cannot_traverse_is_refused() -> None:
    hidden = Path(tempfile.mkdtemp(prefix="cc-sandbox-hidden-"))  # mode 0700
    try:
        runtime = BwrapRuntime(LocalRuntimeConfig(root=hidden / "root", instance="t"))
        with pytest.raises(SandboxUnavailableError, match="traversable"):
            runtime.check_available()
    finally:
        shutil.rmtree(hidden)
