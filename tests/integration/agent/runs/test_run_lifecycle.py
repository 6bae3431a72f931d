"""Agent runs end to end over a real nats-server: StartRun → a worker runs the mock model's
scenario against the sandbox (protocol double) → frames in RUN_OUTPUT, messages on the thread."""

from __future__ import annotations

import asyncio
import json
import time
from uuid import uuid4

import pytest
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError

from cheatcode_contracts import CommandReply, ErrorCode
from cheatcode_contracts.projects import CreateProject
from cheatcode_contracts.runs import (
    RunCompleted,
    RunFailed,
    RunRequested,
    RunStarted,
    RunStopped,
    RunStopRequested,
    StartRun,
    StopRun,
    UsageRecorded,
    run_subject,
    usage_subject,
)
from cheatcode_contracts.sandbox import sandbox_id_for
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import AddMessage, CreateThread, MessageAdded
from tests.integration.agent.runs.conftest import AgentStack
from tests.integration.agent.runs.frames import events_on, follow
from tests.integration.agent.runs.sandbox_double import SandboxProtocolDouble
from tests.support.requests import send_command

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("sandbox_double")]


async def new_thread(client: Client, user: str, prompt: str) -> tuple[str, str]:
    project_id, thread_id = str(uuid4()), str(uuid4())
    assert (await send_command(client, CreateProject(project_id=project_id, user_id=user, name="App"))).ok
    assert (await send_command(client, CreateThread(thread_id=thread_id, project_id=project_id, user_id=user))).ok
    await add_user_message(client, thread_id, user, prompt)
    return project_id, thread_id


async def add_user_message(client: Client, thread_id: str, user: str, prompt: str) -> str:
    message_id = str(uuid4())
    content = json.dumps({"role": "user", "content": prompt})
    command = AddMessage(thread_id=thread_id, message_id=message_id, user_id=user, content=content)
    assert (await send_command(client, command)).ok
    return message_id


async def start(client: Client, thread_id: str, user: str) -> CommandReply:
    reply = await send_command(client, StartRun(thread_id=thread_id, user_id=user))
    assert reply.ok, reply.error
    return reply


async def test_default_scenario_streams_tools_and_completes(
    stack: AgentStack, nats_client: Client, sandbox_double: SandboxProtocolDouble
) -> None:
    await stack.start_agent("agent-a")
    project_id, thread_id = await new_thread(nats_client, "u1", "Build me something")
    reply = await start(nats_client, thread_id, "u1")
    run_id = reply.result["run_id"]
    assert reply.result["status"] == "running" and reply.result["project_id"] == project_id
    assert reply.result["model_name"] == "mock-model" and reply.result["stopped_run_ids"] == []
    follower = await follow(nats_client, run_id)
    terminal = await follower.terminal(within=30)

    frames = follower.frames
    assert terminal == frames[-1] and terminal["status"] == "completed"
    assert [f["sequence"] for f in frames] == list(range(1, len(frames) + 1))
    assert follower.stream_sequences == sorted(set(follower.stream_sequences))
    assert frames[0]["type"] == "status" and frames[0]["status"] == "running"
    calls = [f["tool"] for f in frames if f["type"] == "tool_call"]
    assert calls == ["create_file", "execute_command", "read_file", "complete"]
    results = [f for f in frames if f["type"] == "tool_result"]
    assert all(r["success"] for r in results), results
    assert "HELLO FROM THE CHEATCODE MOCK MODEL" in results[2]["result"]["content"]
    assert any(f["type"] == "content" and f["message_id"] for f in frames)

    workspace = sandbox_double.root / sandbox_id_for(project_id) / "workspace" / "cheatcode-app"
    assert (workspace / "hello.txt").read_text() == "Hello from the Cheatcode mock model\n"
    assert (workspace / "result.txt").read_text() == "HELLO FROM THE CHEATCODE MOCK MODEL\n"

    lifecycle = await events_on(nats_client, run_subject(run_id))
    assert [type(e) for e in lifecycle] == [RunRequested, RunStarted, RunCompleted]
    usage = await events_on(nats_client, usage_subject(run_id))
    assert len(usage) == 4 and all(isinstance(u, UsageRecorded) and u.prompt_tokens > 0 for u in usage)

    messages = [e for e in await events_on(nats_client, aggregate_subject("thread", thread_id))]
    posted = [m for m in messages if isinstance(m, MessageAdded) and m.agent_run_id == run_id]
    assert [m.type for m in posted] == ["assistant", "tool"] * 4
    tool_result_ids = [r["message_id"] for r in results]
    assert tool_result_ids == [m.message_id for m in posted if m.type == "tool"]


async def test_stop_ends_a_long_run_within_one_second(stack: AgentStack, nats_client: Client) -> None:
    await stack.start_agent("agent-a")
    _, thread_id = await new_thread(nats_client, "u1", "[mock:long] talk for a while")
    run_id = (await start(nats_client, thread_id, "u1")).result["run_id"]
    follower = await follow(nats_client, run_id)
    await follower.wait_for(lambda f: f["type"] == "content" and f["content"].startswith("tick 3"), within=15)

    asked = time.monotonic()
    stopped = await send_command(nats_client, StopRun(run_id=run_id, user_id="u1"))
    assert stopped.ok and stopped.result == {"run_id": run_id, "status": "stopping"}
    terminal = await follower.terminal(within=5)
    assert terminal["status"] == "stopped"
    assert follower.arrivals[follower.frames.index(terminal)] - asked < 1.0

    lifecycle = await events_on(nats_client, run_subject(run_id))
    assert [type(e) for e in lifecycle] == [RunRequested, RunStarted, RunStopRequested, RunStopped]
    again = await send_command(nats_client, StopRun(run_id=run_id, user_id="u1"))
    assert again.error is not None and again.error.code == ErrorCode.INVALID
    assert again.error.detail == "Cannot stop agent run with status: stopped"


async def test_a_new_run_stops_the_projects_running_one(stack: AgentStack, nats_client: Client) -> None:
    await stack.start_agent("agent-a")
    _, thread_id = await new_thread(nats_client, "u1", "[mock:long] first")
    first = (await start(nats_client, thread_id, "u1")).result["run_id"]
    first_frames = await follow(nats_client, first)
    await first_frames.wait_for(lambda f: f["type"] == "content", within=15)

    await add_user_message(nats_client, thread_id, "u1", "[mock:echo] second")
    second = await start(nats_client, thread_id, "u1")
    assert second.result["stopped_run_ids"] == [first]
    assert (await first_frames.terminal(within=5))["status"] == "stopped"
    second_frames = await follow(nats_client, second.result["run_id"])
    assert (await second_frames.terminal(within=15))["status"] == "completed"
    texts = "".join(f["content"] for f in second_frames.frames if f["type"] == "content")
    assert texts == "second"


async def test_model_failure_fails_the_run(stack: AgentStack, nats_client: Client) -> None:
    await stack.start_agent("agent-a")
    _, thread_id = await new_thread(nats_client, "u1", "[mock:fail]")
    run_id = (await start(nats_client, thread_id, "u1")).result["run_id"]
    terminal = await (await follow(nats_client, run_id)).terminal(within=15)
    assert terminal["status"] == "failed" and "500" in terminal["message"]
    lifecycle = await events_on(nats_client, run_subject(run_id))
    assert isinstance(lifecycle[-1], RunFailed) and "500" in lifecycle[-1].error


async def test_other_users_cannot_start_or_stop(stack: AgentStack, nats_client: Client) -> None:
    await stack.start_agent("agent-a")
    _, thread_id = await new_thread(nats_client, "owner", "[mock:long:50:20]")
    denied = await send_command(nats_client, StartRun(thread_id=thread_id, user_id="intruder"))
    assert denied.error is not None and denied.error.code == ErrorCode.NOT_FOUND
    run_id = (await start(nats_client, thread_id, "owner")).result["run_id"]
    refused = await send_command(nats_client, StopRun(run_id=run_id, user_id="intruder"))
    assert refused.error is not None and refused.error.code == ErrorCode.NOT_FOUND
    assert (await (await follow(nats_client, run_id)).terminal(within=15))["status"] == "completed"


async def test_a_dead_workers_run_is_failed_by_another_replica(stack: AgentStack, nats_client: Client) -> None:
    # The stop must land before the survivor notices the dead worker (after ack_wait) and fails the run.
    doomed = await stack.start_agent("agent-doomed", ack_wait=4)
    _, thread_id = await new_thread(nats_client, "u1", "[mock:long] run until I die")
    run_id = (await start(nats_client, thread_id, "u1")).result["run_id"]
    follower = await follow(nats_client, run_id)
    await follower.wait_for(lambda f: f["type"] == "content", within=15)
    started = [e for e in await events_on(nats_client, run_subject(run_id)) if isinstance(e, RunStarted)]
    assert [e.worker_id for e in started] == ["agent-doomed"]

    connection = await doomed.broker.connect()
    await connection.close()  # the process "dies": no more heartbeats, no terminal event
    killed = time.monotonic()
    await stack.start_agent("agent-survivor", ack_wait=1.5)
    terminal = await follower.terminal(within=20)
    assert terminal["status"] == "failed" and "agent-doomed" in terminal["message"]
    assert time.monotonic() - killed < 15
    lifecycle = await events_on(nats_client, run_subject(run_id))
    assert isinstance(lifecycle[-1], RunFailed)


async def send_until_answered(client: Client, command: StopRun) -> CommandReply:
    """The server may route a request to a queue member whose connection was just closed but whose
    close it has not processed yet; the same command again is idempotent (same command id)."""
    for _ in range(6):
        try:
            return await send_command(client, command, wait=0.5)
        except NatsTimeoutError:
            continue
    return await send_command(client, command)


async def test_a_stop_sent_to_a_dead_workers_run_still_ends_it_stopped(stack: AgentStack, nats_client: Client) -> None:
    # The stop must land before the survivor notices the dead worker (after ack_wait) and fails the run.
    doomed = await stack.start_agent("agent-doomed", ack_wait=4)
    _, thread_id = await new_thread(nats_client, "u1", "[mock:long] nobody will stop me")
    run_id = (await start(nats_client, thread_id, "u1")).result["run_id"]
    follower = await follow(nats_client, run_id)
    await follower.wait_for(lambda f: f["type"] == "content", within=15)
    await stack.start_agent("agent-survivor", ack_wait=4)
    await (await doomed.broker.connect()).close()

    stopping = await send_until_answered(nats_client, StopRun(run_id=run_id, user_id="u1"))
    assert stopping.ok and stopping.result["status"] == "stopping"
    terminal = await follower.terminal(within=20)
    assert terminal["status"] == "stopped"
    assert [type(e) for e in await events_on(nats_client, run_subject(run_id))][-2:] == [RunStopRequested, RunStopped]


async def test_shutting_down_ends_active_runs_and_stops_promptly(stack: AgentStack, nats_client: Client) -> None:
    host = await stack.start_agent("agent-leaving")
    _, thread_id = await new_thread(nats_client, "u1", "[mock:long] still talking at shutdown")
    run_id = (await start(nats_client, thread_id, "u1")).result["run_id"]
    follower = await follow(nats_client, run_id)
    await follower.wait_for(lambda f: f["type"] == "content", within=15)

    began = time.monotonic()
    await asyncio.wait_for(host.app.stop(), 5)  # a stuck drain here kept SIGTERM from working
    assert time.monotonic() - began < 3
    terminal = await follower.terminal(within=5)
    assert terminal["status"] == "failed" and "shut down" in terminal["message"]


async def test_a_retried_start_is_idempotent_and_a_reused_run_id_conflicts(
    stack: AgentStack, nats_client: Client
) -> None:
    await stack.start_agent("agent-a")
    _, thread_id = await new_thread(nats_client, "u1", "[mock:echo] once")
    command = StartRun(thread_id=thread_id, user_id="u1")
    first, retried = await send_command(nats_client, command), await send_command(nats_client, command)
    assert first.ok and retried.ok and retried.result["run_id"] == first.result["run_id"] == command.run_id
    assert retried.result["stopped_run_ids"] == []
    reused = await send_command(nats_client, StartRun(run_id=command.run_id, thread_id=thread_id, user_id="u1"))
    assert reused.error is not None and reused.error.code == ErrorCode.CONFLICT
    assert (await (await follow(nats_client, command.run_id)).terminal(within=15))["status"] == "completed"
    requested = [e for e in await events_on(nats_client, run_subject(command.run_id)) if isinstance(e, RunRequested)]
    assert len(requested) == 1


async def test_concurrent_starts_on_one_project_leave_exactly_one_run_going(
    stack: AgentStack, nats_client: Client
) -> None:
    await stack.start_agent("agent-a")
    await stack.start_agent("agent-b")
    _, thread_id = await new_thread(nats_client, "u1", "[mock:long] race")
    replies = await asyncio.gather(*(start(nats_client, thread_id, "u1") for _ in range(6)))
    run_ids = [reply.result["run_id"] for reply in replies]
    stopped_by_someone = {run for reply in replies for run in reply.result["stopped_run_ids"]}
    assert len(stopped_by_someone) == 5 and len(set(run_ids) - stopped_by_someone) == 1

    followers = {run_id: await follow(nats_client, run_id) for run_id in run_ids}
    for run_id in stopped_by_someone:
        assert (await followers[run_id].terminal(within=10))["status"] == "stopped"
    (survivor,) = set(run_ids) - stopped_by_someone
    await followers[survivor].wait_for(lambda f: f["type"] == "content", within=10)
    assert not any(f["type"] == "status" and f["status"] != "running" for f in followers[survivor].frames)
    assert (await send_command(nats_client, StopRun(run_id=survivor, user_id="u1"))).ok
    assert (await followers[survivor].terminal(within=5))["status"] == "stopped"
