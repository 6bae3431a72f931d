"""The agent-run aggregate: its lifecycle rules, decided from its events alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from cheatcode_contracts import Event
from cheatcode_contracts.projects import AppType, as_app_type
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


@dataclass(frozen=True)
class Run:
    run_id: str
    thread_id: str = ""
    project_id: str = ""
    user_id: str = ""
    model_name: str = ""
    app_type: AppType = "web"
    triggering_message_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    status: RunStatus | None = "running"  # None: never requested (see ``Run.unknown``)
    worker_id: str | None = None
    stop_reason: str | None = None
    outcome: str | None = None  # the terminal message or error

    @classmethod
    def unknown(cls, run_id: str) -> Run:
        """The state of a run id nobody requested (the repository's initial state)."""
        return cls(run_id, status=None)

    @property
    def exists(self) -> bool:
        return self.status is not None

    @property
    def is_terminal(self) -> bool:
        return self.status in ("completed", "failed", "stopped")

    @property
    def is_started(self) -> bool:
        return self.worker_id is not None

    @property
    def stop_requested(self) -> bool:
        return self.stop_reason is not None

    def apply(self, event: Event) -> Run:
        if isinstance(event, RunRequested):
            return Run(
                event.run_id,
                event.thread_id,
                event.project_id,
                event.user_id,
                event.model_name,
                as_app_type(event.app_type),
                event.triggering_message_id,
                dict(event.metadata),
            )
        if not self.exists or self.is_terminal:
            return self  # nothing changes a finished run
        state = self
        if isinstance(event, RunStarted):
            state = replace(state, worker_id=event.worker_id)
        elif isinstance(event, RunStopRequested):
            state = replace(state, stop_reason=event.reason)
        elif isinstance(event, RunCompleted):
            state = replace(state, outcome=event.message)
        elif isinstance(event, RunFailed):
            state = replace(state, outcome=event.error)
        elif isinstance(event, RunStopped):
            state = replace(state, outcome=event.reason)
        status = status_after(event)
        if status is not None and not (status == "running" and state.stop_requested):
            state = replace(state, status=status)
        return state


def fold(run_id: str, events: Iterable[Event]) -> Run:
    state = Run.unknown(run_id)
    for event in events:
        state = state.apply(event)
    return state


def request(command: StartRun, *, project_id: str, model_name: str, app_type: str, trigger: str | None) -> RunRequested:
    return RunRequested(
        run_id=command.run_id,
        thread_id=command.thread_id,
        project_id=project_id,
        user_id=command.user_id,
        model_name=model_name,
        app_type=as_app_type(app_type),  # the original turned bad values into web
        triggering_message_id=trigger,
        metadata=command.metadata,
    )


def start(run: Run, worker_id: str) -> list[Event]:
    """A worker takes a requested run (nothing if it ended or someone took it)."""
    if not run.exists or run.is_terminal or run.is_started:
        return []
    return [RunStarted(run_id=run.run_id, worker_id=worker_id)]


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
