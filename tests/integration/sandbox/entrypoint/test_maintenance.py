"""CleanAbandonedSandboxes over real NATS to two sandbox replicas sharing one root: idle sandboxes
stop on both hosts (their sessions killed, ``SandboxStopped(reason="idle")`` in the log), a sandbox
just used and one running a blocking command keep running, an archive nobody fetched for an hour
goes, and the next command starts a stopped sandbox again."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from cheatcode_contracts import CommandReply, build_registry, sandbox as sb
from cheatcode_contracts.envelope import decode_event
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_sandbox.domain.paths import sandbox_uid
from cheatcode_sandbox.entrypoint.bootstrap import SandboxService, build
from tests.integration.sandbox.entrypoint.test_replicas import ask, processes_of, until_running_as
from tests.integration.sandbox.entrypoint.test_service import settings_for
from tests.support.requests import request_when_ready, send_command
from tests.support.sandbox_root import traversable_root

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bwrap") is None or os.geteuid() != 0, reason="needs bubblewrap and root"),
]

IDLE_SECONDS = 1.5


@pytest.fixture(scope="module")
def shared_root() -> Iterator[Path]:
    yield from traversable_root("cc-sandbox-maintenance-")


@pytest.fixture(scope="module")
async def replicas(nats_server: NatsServer, shared_root: Path) -> AsyncIterator[dict[str, SandboxService]]:
    services: dict[str, SandboxService] = {}
    for name in ("a", "b"):
        instance = f"clean-{name}-{uuid.uuid4().hex[:6]}"
        services[instance] = build(settings_for(nats_server, shared_root, instance))
        await services[instance].host.app.start()
    yield services
    for service in services.values():
        await service.host.app.stop()


async def sandboxes_on_both(client: Client, replicas: dict[str, SandboxService], each: int) -> dict[str, list[str]]:
    """At least ``each`` new sandboxes on every replica (the queue group places each ensure)."""
    placed: dict[str, list[str]] = {instance: [] for instance in replicas}
    for _ in range(40):
        if all(len(ids) >= each for ids in placed.values()):
            return placed
        info = await ask(client, sb.EnsureSandbox(project_id=str(uuid.uuid4()), user_id="u"))
        placed[info.host_instance_id].append(info.sandbox_id)
    raise AssertionError(f"the queue group never placed {each} sandboxes on each replica: {placed}")


async def last_event(client: Client, sandbox_id: str) -> sb.SandboxStopped | sb.SandboxStarted:
    info = await client.jetstream().get_last_msg("EVENTS", aggregate_subject(sb.SANDBOX, sandbox_id))
    event = decode_event(build_registry(), info.headers, info.data or b"")
    assert isinstance(event, sb.SandboxStopped | sb.SandboxStarted), event
    return event


def plant_archive(root: Path, age_seconds: float) -> Path:
    archive = root / "archives" / f"{uuid.uuid4().hex}.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip nobody fetched
    then = time.time() - age_seconds
    os.utime(archive, (then, then))
    return archive


async def until_gone(uid: int) -> None:
    deadline = time.monotonic() + 10
    while processes_of(uid):
        assert time.monotonic() < deadline, f"processes of uid {uid} outlived their sandbox's stop"
        await asyncio.sleep(0.05)


async def test_idle_sandboxes_stop_on_every_host_and_start_again_when_used(
    replicas: dict[str, SandboxService], nats_client: Client, shared_root: Path
) -> None:
    placed = await sandboxes_on_both(nats_client, replicas, each=2)
    (a, b), ((idle_a, busy, *more_a), (idle_b, used, *more_b)) = list(placed), list(placed.values())
    idle = sorted([idle_a, idle_b, *more_a, *more_b])
    dev_server = sb.ExecuteCommand(sandbox_id=idle_b, command="sleep 600", blocking=False, session_name="dev")
    await ask(nats_client, dev_server)  # a session alone does not keep a sandbox in use
    await until_running_as(sandbox_uid(idle_b))
    old, fresh = plant_archive(shared_root, age_seconds=7200), plant_archive(shared_root, age_seconds=60)
    await asyncio.sleep(IDLE_SECONDS + 0.5)

    blocking = sb.ExecuteCommand(sandbox_id=busy, command="sleep 3; echo done", timeout=30)
    running = asyncio.create_task(send_command(nats_client, blocking, wait=60))
    await until_running_as(sandbox_uid(busy))
    await ask(nats_client, sb.ExecuteCommand(sandbox_id=used, command="true"))
    report = await ask(nats_client, sb.CleanAbandonedSandboxes(idle_seconds=IDLE_SECONDS))

    assert isinstance(report, sb.AbandonedCleanup)
    assert sorted(report.sandbox_ids) == idle and report.stopped == len(idle)
    assert {a, b} <= set(report.hosts) and report.archives_removed == 1
    assert not old.exists() and fresh.exists()
    for sandbox_id, host in ((idle_a, a), (idle_b, b)):
        stopped = await last_event(nats_client, sandbox_id)
        assert isinstance(stopped, sb.SandboxStopped) and (stopped.reason, stopped.host_instance_id) == ("idle", host)
        assert not replicas[host].deps.runtime.is_running(sandbox_id)
    await until_gone(sandbox_uid(idle_b))  # the dev server went with its sandbox
    for sandbox_id, host in ((busy, a), (used, b)):
        assert isinstance(await last_event(nats_client, sandbox_id), sb.SandboxStarted)
        assert replicas[host].deps.runtime.is_running(sandbox_id)
    finished = await running
    assert finished.ok and sb.parse_reply(blocking, finished).output == "done\n"

    again = await ask(nats_client, sb.ExecuteCommand(sandbox_id=idle_b, command="echo back"))
    assert again.output == "back\n"
    restarted = await last_event(nats_client, idle_b)
    assert isinstance(restarted, sb.SandboxStarted)
    assert replicas[restarted.host_instance_id].deps.runtime.is_running(idle_b)


async def test_a_host_asked_on_its_own_subject_sweeps_only_its_own(
    replicas: dict[str, SandboxService], nats_client: Client
) -> None:
    placed = await sandboxes_on_both(nats_client, replicas, each=1)
    (a, b), ((on_a, *_), (on_b, *_)) = list(placed), list(placed.values())
    await asyncio.sleep(IDLE_SECONDS + 0.5)
    command = sb.CleanAbandonedSandboxes(idle_seconds=IDLE_SECONDS, this_host_only=True)
    body = command.model_dump_json().encode()
    data = await request_when_ready(nats_client, sb.host_subject(a, command.type_name), body, wait=60)
    report = sb.parse_reply(command, CommandReply.model_validate_json(data))
    assert report.hosts == [a] and on_a in report.sandbox_ids and on_b not in report.sandbox_ids
    assert not replicas[a].deps.runtime.is_running(on_a) and replicas[b].deps.runtime.is_running(on_b)
