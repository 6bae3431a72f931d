"""The run worker maps run events onto deliveries: what it acks, naks, leaves and keeps alive."""

from __future__ import annotations

import asyncio

from cheatcode_agent.handlers.run_worker import RunWorker
from cheatcode_contracts.runs import RunRequested, RunStarted, RunStopRequested
from cheatcode_runtime.consumer import ConsumerSpec
from cheatcode_runtime.consumer.delivery import run_handler
from cheatcode_runtime.consumer.memory import InMemoryDelivery, deliver
from tests.unit.agent.handlers.test_run_policy import SneakyStore, StallingLlm, World

SPEC = ConsumerSpec(stream="EVENTS", durable="agent-runs", ack_wait=0.15)


def requested(run_id: str = "r1") -> RunRequested:
    return RunRequested(run_id=run_id, thread_id="t1", project_id="p1", user_id="u1", model_name="m")


async def test_other_run_events_are_acked_at_once() -> None:
    world = World()
    delivery = await deliver(RunWorker(world.policy), RunStarted(run_id="r1", worker_id="w"))
    assert delivery.settled == "ack" and world.output.frames == {}


async def test_a_requested_run_is_executed_kept_alive_and_then_acked() -> None:
    llm = StallingLlm()
    world = World(llm)
    await world.seed()
    worker = RunWorker(world.policy)
    delivery = InMemoryDelivery(requested(), spec=SPEC)
    handling = asyncio.create_task(run_handler(worker, delivery))
    await asyncio.wait_for(llm.thinking.wait(), 5)
    assert worker.active_runs == ("r1",)
    await asyncio.sleep(0.2)
    assert delivery.heartbeats >= 2 and delivery.settled is None

    again = await deliver(worker, requested(), num_delivered=2)  # redelivered while we run it
    assert again.settled == "left"

    loaded = await world.runs.load("r1")
    await world.runs.append("r1", loaded, [RunStopRequested(run_id="r1")], key="stop")
    await asyncio.wait_for(handling, 5)
    assert delivery.settled == "ack" and worker.active_runs == ()


async def test_a_run_taken_meanwhile_is_nakked_to_be_looked_at_again() -> None:
    world = World(store=SneakyStore())
    await world.seed()
    delivery = await deliver(RunWorker(world.policy), requested())
    assert delivery.settled == "nak" and delivery.nak_delay is None


async def test_shutdown_ends_the_run_and_confirms_its_message() -> None:
    llm = StallingLlm()
    world = World(llm)
    await world.seed()
    delivery = InMemoryDelivery(requested(), spec=SPEC)
    handling = asyncio.create_task(run_handler(RunWorker(world.policy), delivery))
    await asyncio.wait_for(llm.thinking.wait(), 5)
    handling.cancel()
    await asyncio.gather(handling, return_exceptions=True)
    assert delivery.settled == "ack"
    assert (await world.events())[-1].type_name == "run.failed"
