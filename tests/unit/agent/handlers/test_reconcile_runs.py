"""ReconcileStaleRuns against the in-memory event store: only quiet, unfinished runs end."""

from __future__ import annotations

from datetime import datetime, timedelta

from cheatcode_agent.adapters.memory_run_output import InMemoryRunOutput
from cheatcode_agent.adapters.memory_unfinished_runs import MemoryUnfinishedRuns
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.reconcile_runs import STALE, ReconcileDeps, reconcile_stale_runs
from cheatcode_contracts import Event, utc_now
from cheatcode_contracts.runs import (
    ReconcileStaleRuns,
    RunCompleted,
    RunFailed,
    RunRequested,
    RunStarted,
    RunStopped,
    RunStopRequested,
    StaleRunReport,
)
from cheatcode_runtime.eventstore import InMemoryEventStore

MAX = 1200.0
NOW = utc_now()
OLD = NOW - timedelta(seconds=MAX + 301)
RECENT = NOW - timedelta(seconds=MAX + 299)


def requested(run_id: str, at: datetime) -> RunRequested:
    return RunRequested(run_id=run_id, thread_id="t", project_id="p", user_id="u", model_name="m", occurred_at=at)


def started(run_id: str, at: datetime) -> RunStarted:
    return RunStarted(run_id=run_id, worker_id="w", occurred_at=at)


class World:
    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.output = InMemoryRunOutput()
        self.deps = ReconcileDeps(
            Aggregates.over(self.store), self.store, MemoryUnfinishedRuns(self.store), self.output, MAX, lambda: NOW
        )

    async def append(self, run_id: str, *events: Event) -> None:
        await self.store.append(f"cc.evt.run.{run_id}", events, expected_position=None, idempotency_key=run_id)

    async def last(self, run_id: str) -> Event:
        return (await self.store.load(f"cc.evt.run.{run_id}")).events[-1].event

    async def reconcile(self) -> StaleRunReport:
        reply = await reconcile_stale_runs(ReconcileStaleRuns(), self.deps)
        assert reply.ok
        return StaleRunReport.model_validate(reply.result)


async def test_ends_quiet_unfinished_runs_and_leaves_the_rest() -> None:
    world = World()
    await world.append("queued-old", requested("queued-old", OLD))
    await world.append("running-old", requested("running-old", OLD), started("running-old", OLD))
    stop = RunStopRequested(run_id="stopping-old", reason="Stopped by user", occurred_at=OLD)
    await world.append("stopping-old", requested("stopping-old", OLD), started("stopping-old", OLD), stop)
    recent_start = started("running-recent", RECENT)
    await world.append("running-recent", requested("running-recent", OLD), recent_start)
    await world.append("done-old", requested("done-old", OLD), RunCompleted(run_id="done-old", occurred_at=OLD))

    report = await world.reconcile()

    assert report.unfinished == 4
    assert (report.failed, report.stopped) == (2, 1)
    assert sorted(report.run_ids) == ["queued-old", "running-old", "stopping-old"]
    failed = await world.last("running-old")
    assert isinstance(failed, RunFailed) and failed.error == STALE
    assert isinstance(await world.last("queued-old"), RunFailed)
    stopped = await world.last("stopping-old")
    assert isinstance(stopped, RunStopped) and stopped.reason == "Stopped by user"
    assert isinstance(await world.last("running-recent"), RunStarted)
    assert isinstance(await world.last("done-old"), RunCompleted)
    last_frame = await world.output.last_frame("running-old")  # clients streaming it see the end
    assert last_frame is not None and last_frame.get("status") == "failed"

    again = await world.reconcile()  # everything stale has ended: nothing more to do
    assert (again.unfinished, again.failed, again.stopped, again.run_ids) == (1, 0, 0, [])
