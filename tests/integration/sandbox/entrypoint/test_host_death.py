"""A blocking execute whose sandbox service dies mid-command: the caller hears "unavailable" within
seconds (the host's heartbeats stop), not after the command's 60 s timeout plus slack."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_contracts import CommandReply, ErrorCode, sandbox as sb
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.nats import CommandClient, CommandUnavailableError
from cheatcode_sandbox.domain.paths import sandbox_uid
from tests.integration.sandbox.entrypoint.test_replicas import (
    _wait_alive,
    ask,
    processes_of,
    replicas,
    shared_root,
    spawn,
    until_running_as,
)

__all__ = ["replicas", "shared_root"]  # fixtures re-exported so that pytest finds them here

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]

FAIL_FAST_SECONDS = 15.0


def end_leftovers(sandbox_id: str) -> None:
    """A SIGKILLed host's sandbox processes may outlive it (README, known limits)."""
    for pid in processes_of(sandbox_uid(sandbox_id)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def execute_then_kill(client: Client, sandbox_id: str, host: subprocess.Popen[bytes]) -> float:
    """Start ``sleep 60`` blocking, SIGKILL ``host`` once it runs; seconds until the caller's answer."""
    caller = CommandClient(client)
    call = asyncio.create_task(caller.request(sb.ExecuteCommand(sandbox_id=sandbox_id, command="sleep 60")))
    await until_running_as(sandbox_uid(sandbox_id))
    host.kill()
    killed = time.monotonic()
    try:
        reply: CommandReply = await asyncio.wait_for(call, 60)
    except CommandUnavailableError:
        pass  # the caller's own watch noticed the silence
    else:  # a surviving replica forwarded it and reports its host's silence
        assert reply.error is not None and reply.error.code is ErrorCode.UNAVAILABLE, reply
    finally:
        host.wait(timeout=10)
    return time.monotonic() - killed


async def test_a_blocking_execute_fails_fast_when_the_only_replica_is_killed(
    nats_server: NatsServer, nats_client: Client, shared_root: Path
) -> None:
    instance = f"replica-alone-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "CHEATCODE_NATS_URL": nats_server.url,
        "CHEATCODE_INSTANCE_ID": instance,
        "CHEATCODE_SANDBOX_ROOT": str(shared_root),
    }
    process = spawn(env)
    sandbox_id = ""
    try:
        await _wait_alive(nats_client, instance)
        info = await ask(nats_client, sb.EnsureSandbox(project_id=str(uuid.uuid4()), user_id="u"))
        sandbox_id = info.sandbox_id
        elapsed = await execute_then_kill(nats_client, sandbox_id, process)
        print(f"unavailable {elapsed:.1f} s after the kill")
        assert elapsed < FAIL_FAST_SECONDS
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if sandbox_id:
            end_leftovers(sandbox_id)


async def test_a_blocking_execute_fails_fast_when_its_host_among_replicas_is_killed(
    replicas: dict[str, subprocess.Popen[bytes]], nats_client: Client
) -> None:
    info = await ask(nats_client, sb.EnsureSandbox(project_id=str(uuid.uuid4()), user_id="u"))
    try:
        # The queue group hands it to either replica: the host itself, or one that forwards to it.
        elapsed = await execute_then_kill(nats_client, info.sandbox_id, replicas[info.host_instance_id])
        print(f"unavailable {elapsed:.1f} s after the kill")
        assert elapsed < FAIL_FAST_SECONDS
    finally:
        end_leftovers(info.sandbox_id)
