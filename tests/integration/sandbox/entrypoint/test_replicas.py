"""Two sandbox-service processes: requests reach the host; a killed host's sandbox moves over."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client
from nats.errors import NoRespondersError

from cheatcode_contracts import Command, build_registry, sandbox as sb
from cheatcode_contracts.envelope import decode_event
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_sandbox.domain.paths import sandbox_uid
from tests.integration.sandbox.entrypoint.test_service import event_types
from tests.support.requests import send_command

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]


@pytest.fixture(scope="module")
def shared_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="cc-sandbox-replicas-"))
    root.chmod(0o711)
    yield root / "sandboxes"
    shutil.rmtree(root, ignore_errors=True)


async def _wait_alive(client: Client, instance: str) -> None:
    for _ in range(300):
        try:
            await client.request(sb.host_ping_subject(instance), b"", timeout=0.5)
            return
        except NoRespondersError:
            await asyncio.sleep(0.05)  # the process is still starting
    raise AssertionError(f"replica {instance} never answered")


def processes_of(uid: int) -> list[int]:
    """Pids of live (not zombie) processes whose real uid is ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


async def until_running_as(uid: int) -> None:
    deadline = time.monotonic() + 10
    while not processes_of(uid):  # a session drops to the sandbox's uid a moment after it is started
        assert time.monotonic() < deadline, "the session never ran as the sandbox's uid"
        await asyncio.sleep(0.02)


def mounted(path: str) -> bool:
    return os.path.ismount(path)


def spawn(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "cheatcode_sandbox"], env=env)


@pytest.fixture
async def replicas(
    nats_server: NatsServer, nats_client: Client, shared_root: Path
) -> AsyncIterator[dict[str, subprocess.Popen[bytes]]]:
    started: dict[str, subprocess.Popen[bytes]] = {}
    for name in ("a", "b"):
        instance = f"replica-{name}-{uuid.uuid4().hex[:6]}"
        env = {
            **os.environ,
            "CHEATCODE_NATS_URL": nats_server.url,
            "CHEATCODE_INSTANCE_ID": instance,
            "CHEATCODE_SANDBOX_ROOT": str(shared_root),
            "CHEATCODE_SANDBOX_HOST_SWEEP_SECONDS": "0.5",
        }
        started[instance] = spawn(env)
    for instance in started:
        await _wait_alive(nats_client, instance)
    yield started
    for process in started.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started.values():
        process.wait(timeout=20)


async def ask(client: Client, command: Command) -> Any:
    reply = await send_command(client, command, wait=10)
    assert reply.ok, reply.error
    return sb.parse_reply(command, reply)


async def test_session_requests_reach_the_host_from_any_replica(
    replicas: dict[str, subprocess.Popen[bytes]], nats_client: Client
) -> None:
    info = await ask(nats_client, sb.EnsureSandbox(project_id=str(uuid.uuid4()), user_id="u"))
    assert info.host_instance_id in replicas
    await ask(
        nats_client,
        sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="sleep 600", blocking=False, session_name="long"),
    )
    # The queue group spreads these over both replicas; only the host knows the session.
    for _ in range(8):
        status = await ask(nats_client, sb.GetSessionStatus(sandbox_id=info.sandbox_id, session_name="long"))
        assert status.commands[0].running


async def test_a_killed_host_sandbox_is_restarted_elsewhere_with_its_workspace(
    replicas: dict[str, subprocess.Popen[bytes]], nats_client: Client
) -> None:
    project_id = str(uuid.uuid4())
    info = await ask(nats_client, sb.EnsureSandbox(project_id=project_id, user_id="u"))
    await ask(nats_client, sb.WriteFile(sandbox_id=info.sandbox_id, path="kept.txt", content_b64=sb.b64encode(b"kept")))
    session = sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="sleep 600", blocking=False, session_name="s")
    await ask(nats_client, session)
    uid = sandbox_uid(info.sandbox_id)
    await until_running_as(uid)
    replicas[info.host_instance_id].kill()  # SIGKILL: no chance to record anything
    replicas[info.host_instance_id].wait()
    survivor = next(instance for instance in replicas if instance != info.host_instance_id)

    again = await ask(nats_client, sb.EnsureSandbox(project_id=project_id, user_id="u"))
    assert (again.sandbox_id, again.status, again.host_instance_id) == (info.sandbox_id, "running", survivor)
    types = await event_types(nats_client, info.sandbox_id)
    assert types[-2:] == ["sandbox.stopped", "sandbox.started"]
    result = await ask(nats_client, sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="cat kept.txt"))
    assert result.output == "kept"
    assert processes_of(uid) == [], "the dead host's session must not run on beside its replacement"


async def test_a_dead_host_is_noticed_without_any_request(
    replicas: dict[str, subprocess.Popen[bytes]], nats_client: Client
) -> None:
    info = await ask(nats_client, sb.EnsureSandbox(project_id=str(uuid.uuid4()), user_id="u"))
    session = sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="sleep 600", blocking=False, session_name="s")
    await ask(nats_client, session)
    await until_running_as(sandbox_uid(info.sandbox_id))
    subject = aggregate_subject(sb.SANDBOX, info.sandbox_id)
    events = await nats_client.jetstream().subscribe(subject, ordered_consumer=True)
    try:
        replicas[info.host_instance_id].kill()
        while True:
            msg = await events.next_msg(timeout=15)  # the survivor's sweep runs every 0.5 s
            event = decode_event(build_registry(), msg.headers, msg.data)
            if isinstance(event, sb.SandboxStopped):
                break
    finally:
        await events.unsubscribe()
    assert (event.reason, event.host_instance_id) == ("host_lost", info.host_instance_id)
    assert processes_of(sandbox_uid(info.sandbox_id)) == [], "the sweep ends what the dead host left here"


async def test_a_root_behind_a_private_directory_works_through_a_private_mount(
    nats_server: NatsServer, nats_client: Client
) -> None:
    hidden = Path(tempfile.mkdtemp(prefix="cc-sandbox-private-"))  # mode 0700: sandbox uids cannot pass
    instance = f"replica-private-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "CHEATCODE_NATS_URL": nats_server.url,
        "CHEATCODE_INSTANCE_ID": instance,
        "CHEATCODE_SANDBOX_ROOT": str(hidden / "sandboxes"),
    }
    process = spawn(env)
    try:
        await _wait_alive(nats_client, instance)
        info = await ask(nats_client, sb.EnsureSandbox(project_id=str(uuid.uuid4()), user_id="u"))
        await ask(nats_client, sb.WriteFile(sandbox_id=info.sandbox_id, path="a.txt", content_b64=sb.b64encode(b"A")))
        result = await ask(nats_client, sb.ExecuteCommand(sandbox_id=info.sandbox_id, command="cat a.txt; echo; id -u"))
        assert result.output.splitlines()[0] == "A" and result.output.splitlines()[1] != "0"
        assert not mounted("/run/cheatcode-sandbox"), "the bind must stay private to the service"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        shutil.rmtree(hidden, ignore_errors=True)
