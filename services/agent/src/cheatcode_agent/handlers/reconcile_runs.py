"""ReconcileStaleRuns: the scheduled safety net that ends runs nobody will end.

A worker ends its own run when the maximum duration passes, and the durable consumer hands a
run whose worker fell silent to another replica. What escapes both: a run whose worker
vanished after its RunRequested was acked, and a ``stopping`` run whose worker is gone (the
original's reconciler only looked at ``running``; reference Gaps). Quiet past the maximum
duration plus slack since its newest lifecycle event means no live worker drives it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cheatcode_agent.domain import run as runs
from cheatcode_agent.domain.run import Run
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.frame_writer import ensure_terminal_frame
from cheatcode_agent.ports.run_output import RunOutput
from cheatcode_agent.ports.unfinished_runs import UnfinishedRuns
from cheatcode_contracts import CommandReply, Event
from cheatcode_contracts.runs import ReconcileStaleRuns, StaleRunReport, run_subject
from cheatcode_runtime.eventstore import EventStore, Loaded

logger = logging.getLogger("cheatcode.agent.reconcile")

STALE = "Run exceeded maximum duration (stale-run reconciler)"  # the original's message


@dataclass(frozen=True)
class ReconcileDeps:
    aggregates: Aggregates
    store: EventStore
    unfinished: UnfinishedRuns
    output: RunOutput
    max_duration: float
    clock: Callable[[], datetime]


async def reconcile_stale_runs(command: ReconcileStaleRuns, deps: ReconcileDeps) -> CommandReply:
    candidates = await deps.unfinished.run_ids()
    cutoff = deps.clock() - timedelta(seconds=deps.max_duration + command.slack_seconds)
    ended: list[Loaded[Run]] = []
    for run_id in candidates:
        history = await deps.store.load(run_subject(run_id))
        if history.events and history.events[-1].event.occurred_at <= cutoff:
            loaded = await _end(run_id, deps, key=f"{command.command_id}:{run_id}")
            if loaded is not None:
                ended.append(loaded)
    report = StaleRunReport(
        unfinished=len(candidates),
        failed=sum(1 for loaded in ended if loaded.state.status == "failed"),
        stopped=sum(1 for loaded in ended if loaded.state.status == "stopped"),
        run_ids=[loaded.state.run_id for loaded in ended],
    )
    if ended:
        logger.warning("stale-run reconciler ended %d of %d unfinished runs", len(ended), len(candidates))
    return CommandReply.success(max((loaded.position for loaded in ended), default=0), **report.model_dump())


async def _end(run_id: str, deps: ReconcileDeps, *, key: str) -> Loaded[Run] | None:
    """End the run (``stopped`` if a stop was asked: that wish is met; ``failed`` otherwise) and
    its output stream; None when it ended meanwhile."""
    decided: list[Event] = []

    def decide(run: Run) -> list[Event]:
        event = None
        if run.exists:
            status, message = ("stopped", run.stop_reason or STALE) if run.stop_requested else ("failed", STALE)
            event = runs.finish(run, status, message)
        decided[:] = [event] if event is not None else []
        return list(decided)

    loaded = await deps.aggregates.runs.update(run_id, decide, key=key)
    if not decided:
        return None
    await ensure_terminal_frame(deps.output, loaded.state)
    return loaded
