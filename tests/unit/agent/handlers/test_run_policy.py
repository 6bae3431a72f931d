"""The run policy against the in-memory event store and run output: claim, drive, end, take over."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from cheatcode_agent.adapters.memory_run_output import InMemoryRunOutput
from cheatcode_agent.domain.limits import RunLimits
from cheatcode_agent.handlers.agent_loop import LoopDeps, Outcome
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.run_policy import RunPolicy, RunTakenError
from cheatcode_agent.ports.llm import ChatRequest, LlmPort, StreamItem, TextDelta
from cheatcode_agent.tools import default_toolbox
from cheatcode_contracts import Event
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.runs import (
    RunCompleted,
    RunFailed,
    RunRequested,
    RunStarted,
    RunStopped,
    RunStopRequested,
)
from cheatcode_contracts.threads import MessageAdded, ThreadCreated
from cheatcode_runtime.eventstore import AggregateHistory, EventStoreUnavailableError, InMemoryEventStore
from tests.unit.agent.handlers.test_agent_loop import MemorySandbox, ScriptedLlm

WORKER = "w-here"


class StallingLlm(LlmPort):
    """Says one word, then thinks until cancelled (a long model call)."""

    def __init__(self) -> None:
        self.thinking = asyncio.Event()

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        yield TextDelta("thinking ")
        self.thinking.set()
        await asyncio.Event().wait()


class FailingLlm(LlmPort):
    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        raise EventStoreUnavailableError("append to cc.evt.thread.t1: NATS did not answer for 30 s")
        yield TextDelta("")  # an async generator


class World:
    def __init__(
        self, llm: LlmPort | None = None, limits: RunLimits | None = None, store: InMemoryEventStore | None = None
    ) -> None:
        self.store = store or InMemoryEventStore()
        self.output = InMemoryRunOutput()
        self.llm = llm or ScriptedLlm([("all done", [])])
        deps = LoopDeps(self.llm, MemorySandbox(), self.store, default_toolbox(), limits or RunLimits())
        self.policy = RunPolicy(deps, self.output, WORKER)
        self.runs = Aggregates.over(self.store).runs

    async def seed(self, run_id: str = "r1", *later: Event) -> None:
        project = ProjectCreated(project_id="p1", user_id="u1", name="A")
        thread = ThreadCreated(thread_id="t1", project_id="p1", user_id="u1")
        go = json.dumps({"role": "user", "content": "go"})
        message = MessageAdded(thread_id="t1", message_id="m0", type="user", is_llm_message=True, content=go)
        requested = RunRequested(run_id=run_id, thread_id="t1", project_id="p1", user_id="u1", model_name="m")
        await self.append("cc.evt.project.p1", project)
        await self.append("cc.evt.thread.t1", thread, message)
        await self.append(f"cc.evt.run.{run_id}", requested, *later)

    async def append(self, subject: str, *events: Event) -> None:
        await self.store.append(subject, events, expected_position=None, idempotency_key=subject)

    async def events(self, run_id: str = "r1") -> list[Event]:
        return [stored.event for stored in (await self.store.load(f"cc.evt.run.{run_id}")).events]

    def frames(self, run_id: str = "r1") -> list[dict[str, object]]:
        return self.output.frames.get(run_id, [])


def terminal(world: World) -> dict[str, object]:
    last = world.frames()[-1]
    assert last["type"] == "status"
    return last


async def test_a_claimed_run_is_driven_to_completion_with_frames_one_to_n() -> None:
    world = World()
    await world.seed()
    life = await world.policy.claim("r1")
    assert life is not None and life.run.worker_id == WORKER
    await world.policy.execute(life)
    kinds = [type(e) for e in await world.events()]
    assert kinds == [RunRequested, RunStarted, RunCompleted]
    frames = world.frames()
    assert [f["sequence"] for f in frames] == list(range(1, len(frames) + 1))
    assert frames[0]["status"] == "running" and terminal(world)["status"] == "completed"
    assert life.run.status == "completed"  # the policy's own state followed its appends


async def test_a_stop_request_during_the_run_ends_it_stopped_with_its_reason() -> None:
    llm = StallingLlm()
    world = World(llm)
    await world.seed()
    life = await world.policy.claim("r1")
    assert life is not None
    running = asyncio.create_task(world.policy.execute(life))
    await asyncio.wait_for(llm.thinking.wait(), 5)
    loaded = await world.runs.load("r1")
    await world.runs.append("r1", loaded, [RunStopRequested(run_id="r1", reason="enough")], key="stop")
    await asyncio.wait_for(running, 5)
    events = await world.events()
    assert isinstance(events[-1], RunStopped) and events[-1].reason == "enough"
    assert (terminal(world)["status"], terminal(world)["message"]) == ("stopped", "enough")


async def test_a_run_whose_worker_fell_silent_is_ended_failed_by_the_next_claim() -> None:
    world = World()
    await world.seed("r1", RunStarted(run_id="r1", worker_id="w-gone"))
    assert await world.policy.claim("r1") is None
    events = await world.events()
    assert isinstance(events[-1], RunFailed) and "w-gone stopped responding" in events[-1].error
    assert terminal(world)["status"] == "failed"


async def test_a_taken_over_run_the_user_wanted_stopped_ends_stopped() -> None:
    world = World()
    await world.seed("r1", RunStarted(run_id="r1", worker_id="w-gone"), RunStopRequested(run_id="r1", reason="bye"))
    assert await world.policy.claim("r1") is None
    assert isinstance((await world.events())[-1], RunStopped) and terminal(world)["message"] == "bye"


async def test_an_ended_run_gets_its_missing_terminal_frame_and_nothing_else() -> None:
    world = World()
    await world.seed("r1", RunStarted(run_id="r1", worker_id="w"), RunCompleted(run_id="r1", message="done"))
    assert await world.policy.claim("r1") is None
    assert len(await world.events()) == 3
    assert [(f["sequence"], f["status"]) for f in world.frames()] == [(1, "completed")]


async def test_an_unknown_run_is_nothing_to_do() -> None:
    world = World()
    assert await world.policy.claim("nope") is None
    assert world.output.frames == {}


class SneakyStore(InMemoryEventStore):
    """Another replica starts the run between our load and our append."""

    sneaked = False

    async def load(self, subject: str) -> AggregateHistory:
        history = await super().load(subject)
        if subject == "cc.evt.run.r1" and not self.sneaked and len(history.events) == 1:
            self.sneaked = True
            started = RunStarted(run_id="r1", worker_id="w-other")
            await self.append(subject, [started], expected_position=None, idempotency_key="other")
        return history


async def test_a_run_taken_meanwhile_is_handed_back_to_look_again() -> None:
    world = World(store=SneakyStore())
    await world.seed()
    with pytest.raises(RunTakenError):
        await world.policy.claim("r1")
    assert [type(e) for e in await world.events()] == [RunRequested, RunStarted]


async def test_a_stop_stored_just_before_the_end_is_met_by_deciding_afresh() -> None:
    world = World()
    await world.seed()
    life = await world.policy.claim("r1")
    assert life is not None
    # Someone asks to stop after the policy last looked: its completion conflicts, is
    # decided again on the fresh state, and the run still ends (completed: the work is done).
    await world.runs.update("r1", lambda run: [RunStopRequested(run_id="r1", reason="late")], key="late")
    await world.policy.finish(life, Outcome("completed", "ok"), None)
    events = await world.events()
    assert [type(e) for e in events] == [RunRequested, RunStarted, RunStopRequested, RunCompleted]
    assert terminal(world)["status"] == "completed"


async def test_a_cancelled_run_ends_failed_at_shutdown() -> None:
    llm = StallingLlm()
    world = World(llm)
    await world.seed()
    life = await world.policy.claim("r1")
    assert life is not None
    running = asyncio.create_task(world.policy.execute(life))
    await asyncio.wait_for(llm.thinking.wait(), 5)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    events = await world.events()
    assert isinstance(events[-1], RunFailed) and events[-1].error == "Agent service shut down during the run"
    frames = world.frames()
    assert [f["sequence"] for f in frames] == list(range(1, len(frames) + 1))
    assert terminal(world)["status"] == "failed"


async def test_a_run_past_its_maximum_duration_completes_as_timed_out() -> None:
    world = World(StallingLlm(), RunLimits(max_duration=0.2))
    await world.seed()
    life = await world.policy.claim("r1")
    assert life is not None
    await asyncio.wait_for(world.policy.execute(life), 5)
    assert terminal(world)["message"] == "Agent run timed out after maximum duration"


async def test_nats_away_past_the_deadline_fails_the_run_and_says_so() -> None:
    world = World(FailingLlm())
    await world.seed()
    life = await world.policy.claim("r1")
    assert life is not None
    await world.policy.execute(life)
    events = await world.events()
    assert isinstance(events[-1], RunFailed) and events[-1].error.startswith("NATS was unreachable for too long")
