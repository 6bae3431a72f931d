"""The run aggregate's rules: statuses from events, who may stop what, and how runs end."""

from __future__ import annotations

import pytest

from cheatcode_agent.domain import run as runs
from cheatcode_contracts.runs import (
    RunCompleted,
    RunRequested,
    RunStarted,
    RunStopped,
    RunStopRequested,
    StartRun,
)
from cheatcode_runtime.service import Invalid


def requested(run_id: str = "r1") -> RunRequested:
    command = StartRun(run_id=run_id, thread_id="t1", user_id="u1")
    return runs.request(command, project_id="p1", model_name="m", app_type="desktop", trigger="msg1")


def test_request_defaults_bad_app_types_to_web_and_keeps_the_trigger() -> None:
    event = requested()
    assert (event.app_type, event.triggering_message_id, event.project_id) == ("web", "msg1", "p1")


def test_status_follows_the_lifecycle() -> None:
    run = runs.replay([requested()])
    assert run is not None and run.status == "running" and not run.is_started
    runs.apply(run, RunStarted(run_id="r1", worker_id="w1"))
    assert run.is_started and run.worker_id == "w1"
    runs.apply(run, RunStopRequested(run_id="r1", reason="bye"))
    assert run.status == "stopping" and run.stop_requested
    runs.apply(run, RunStopped(run_id="r1", reason="bye"))
    assert run.status == "stopped" and run.is_terminal and run.outcome == "bye"
    runs.apply(run, RunCompleted(run_id="r1"))
    assert run.status == "stopped"  # nothing changes a finished run


def test_stopping_a_run_no_worker_took_stops_it_at_once() -> None:
    run = runs.replay([requested()])
    assert run is not None
    events = runs.request_stop(run, reason="Stopped by user", requested_by="u1")
    assert [type(e) for e in events] == [RunStopRequested, RunStopped]


def test_stopping_a_started_run_asks_its_worker_once() -> None:
    run = runs.replay([requested(), RunStarted(run_id="r1", worker_id="w")])
    assert run is not None
    first = runs.request_stop(run, reason="x", requested_by="u1")
    assert [type(e) for e in first] == [RunStopRequested]
    runs.apply(run, first[0])
    assert runs.request_stop(run, reason="x", requested_by="u1") == []


def test_a_finished_run_cannot_be_stopped_or_finished_again() -> None:
    run = runs.replay([requested(), RunStarted(run_id="r1", worker_id="w"), RunCompleted(run_id="r1")])
    assert run is not None
    with pytest.raises(Invalid, match="Cannot stop agent run with status: completed"):
        runs.request_stop(run, reason="x", requested_by="u1")
    assert runs.finish(run, "failed", "late") is None


@pytest.mark.parametrize(
    ("status", "kind"), [("completed", "RunCompleted"), ("stopped", "RunStopped"), ("failed", "RunFailed")]
)
def test_finish_builds_the_terminal_event(status: str, kind: str) -> None:
    run = runs.replay([requested()])
    assert run is not None
    event = runs.finish(run, status, "why")
    assert type(event).__name__ == kind
    assert runs.apply(run, event) is run and run.status == status and run.outcome == "why"  # type: ignore[arg-type]
