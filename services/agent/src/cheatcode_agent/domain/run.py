"""The agent-run aggregate: its lifecycle rules, decided from its events alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cheatcode_contracts import Event
from cheatcode_contracts.runs import (
    RunCompleted,
    RunFailed,
    RunRequested,
    RunStarted,
    RunStatus,
    RunStopped,
    RunStopRequested,
    StartRun,
    status_after,
)
from cheatcode_runtime.errors import Invalid


@dataclass
class Run:
    run_id: str
    thread_id: str
    project_id: str
    user_id: str
    model_name: str
    app_type: str
    triggering_message_id: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    status: RunStatus = "running"
    worker_id: str | None = None
    stop_reason: str | None = None
    outcome: str | None = None  # the terminal message or error

    @property
    def is_terminal(self) -> bool:
        return self.status in ("completed", "failed", "stopped")

    @property
    def is_started(self) -> bool:
        return self.worker_id is not None

    @property
    def stop_requested(self) -> bool:
        return self.stop_reason is not None


def apply(run: Run | None, event: Event) -> Run | None:
    if isinstance(event, RunRequested):
        return Run(
            event.run_id,
            event.thread_id,
            event.project_id,
            event.user_id,
            event.model_name,
            event.app_type,
            event.triggering_message_id,
            dict(event.metadata),
        )
    if run is None or run.is_terminal:
        return run  # nothing changes a finished run
    if isinstance(event, RunStarted):
        run.worker_id = event.worker_id
    elif isinstance(event, RunStopRequested):
        run.stop_reason = event.reason
    elif isinstance(event, RunCompleted):
        run.outcome = event.message
    elif isinstance(event, RunFailed):
        run.outcome = event.error
    elif isinstance(event, RunStopped):
        run.outcome = event.reason
    status = status_after(event)
    if status is not None and not (status == "running" and run.stop_requested):
        run.status = status
    return run


def replay(events: Iterable[Event]) -> Run | None:
    run: Run | None = None
    for event in events:
        run = apply(run, event)
    return run


def request(command: StartRun, *, project_id: str, model_name: str, app_type: str, trigger: str | None) -> RunRequested:
    return RunRequested(
        run_id=command.run_id,
        thread_id=command.thread_id,
        project_id=project_id,
        user_id=command.user_id,
        model_name=model_name,
        app_type="mobile" if app_type == "mobile" else "web",  # the original turned bad values into web
        triggering_message_id=trigger,
        metadata=command.metadata,
    )


def request_stop(run: Run, *, reason: str, requested_by: str | None) -> list[Event]:
    """Events that stop ``run``: a run no worker took yet is stopped at once."""
    if run.is_terminal:
        raise Invalid(f"Cannot stop agent run with status: {run.status}")
    if run.stop_requested:
        return []  # already on its way down; asking again changes nothing
    stop = RunStopRequested(run_id=run.run_id, reason=reason, requested_by=requested_by)
    if not run.is_started:
        return [stop, RunStopped(run_id=run.run_id, reason=reason)]
    return [stop]


def finish(run: Run, status: str, message: str) -> Event | None:
    """The terminal event for ``status`` (None if the run already ended)."""
    if run.is_terminal:
        return None
    if status == "completed":
        return RunCompleted(run_id=run.run_id, message=message)
    if status == "stopped":
        return RunStopped(run_id=run.run_id, reason=message)
    return RunFailed(run_id=run.run_id, error=message)
