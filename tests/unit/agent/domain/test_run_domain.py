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
from cheatcode_runtime.errors import Invalid


def requested(run_id: str = "r1") -> RunRequested:
    command = StartRun(run_id=run_id, thread_id="t1", user_id="u1")
    return runs.request(command, project_id="p1", model_name="m", app_type="desktop", trigger="msg1")


def test_request_defaults_bad_app_types_to_web_and_keeps_the_trigger() -> None:
    event = requested()
    assert (event.app_type, event.triggering_message_id, event.project_id) == ("web", "msg1", "p1")


def test_status_follows_the_lifecycle() -> None:
    run = runs.fold("r1", [requested()])
    assert run.exists and run.status == "running" and not run.is_started
    run = run.apply(RunStarted(run_id="r1", worker_id="w1"))
    assert run.is_started and run.worker_id == "w1"
    run = run.apply(RunStopRequested(run_id="r1", reason="bye"))
    assert run.status == "stopping" and run.stop_requested
    run = run.apply(RunStopped(run_id="r1", reason="bye"))
    assert run.status == "stopped" and run.is_terminal and run.outcome == "bye"
    assert run.apply(RunCompleted(run_id="r1")) == run  # nothing changes a finished run


def test_an_unknown_run_id_is_no_run_and_its_state_is_a_value() -> None:
    unknown = runs.fold("r1", [])
    assert not unknown.exists and not unknown.is_terminal
    assert unknown.apply(RunStarted(run_id="r1", worker_id="w")) == unknown
    started = runs.fold("r1", [requested()])
    started.apply(RunStarted(run_id="r1", worker_id="w"))
    assert not started.is_started  # apply returns a new state; the old one is unchanged


def test_a_worker_starts_only_a_requested_run_nobody_took() -> None:
    run = runs.fold("r1", [requested()])
    [started] = runs.start(run, "w1")
    assert isinstance(started, RunStarted) and started.worker_id == "w1"
    assert runs.start(run.apply(started), "w2") == []
    assert runs.start(runs.fold("r1", []), "w1") == []


def test_stopping_a_run_no_worker_took_stops_it_at_once() -> None:
    run = runs.fold("r1", [requested()])
    events = runs.request_stop(run, reason="Stopped by user", requested_by="u1")
    assert [type(e) for e in events] == [RunStopRequested, RunStopped]


def test_stopping_a_started_run_asks_its_worker_once() -> None:
    run = runs.fold("r1", [requested(), RunStarted(run_id="r1", worker_id="w")])
    first = runs.request_stop(run, reason="x", requested_by="u1")
    assert [type(e) for e in first] == [RunStopRequested]
    run = run.apply(first[0])
    assert runs.request_stop(run, reason="x", requested_by="u1") == []


def test_a_finished_run_cannot_be_stopped_or_finished_again() -> None:
    run = runs.fold("r1", [requested(), RunStarted(run_id="r1", worker_id="w"), RunCompleted(run_id="r1")])
    with pytest.raises(Invalid, match="Cannot stop agent run with status: completed"):
        runs.request_stop(run, reason="x", requested_by="u1")
    assert runs.finish(run, "failed", "late") is None


@pytest.mark.parametrize(
    ("status", "kind"), [("completed", "RunCompleted"), ("stopped", "RunStopped"), ("failed", "RunFailed")]
)
def test_finish_builds_the_terminal_event(status: str, kind: str) -> None:
    run = runs.fold("r1", [requested()])
    event = runs.finish(run, status, "why")
    assert event is not None and type(event).__name__ == kind
    ended = run.apply(event)
    assert ended.status == status and ended.outcome == "why"
