"""Agent runs: lifecycle events, the commands the agent service answers, and output frames.

Lifecycle events live on ``cc.evt.run.<run_id>`` (aggregate kind ``run``)::

    RunRequested → RunStarted → (RunStopRequested) → RunCompleted | RunFailed | RunStopped

A run that is stopped before any worker started it goes straight from RunStopRequested to
RunStopped. Read models map them to the statuses of reference §7: RunRequested and
RunStarted → ``running`` (the original inserted its row as ``running`` and the frontend
only streams a ``running`` run), RunStopRequested → ``stopping``, and the three terminal
events → ``completed`` / ``failed`` / ``stopped``.

Token usage goes to its own subject ``cc.evt.llm_usage.<run_id>`` (aggregate kind ``llm_usage``),
so that billing's durable consumer filters ``cc.evt.llm_usage.*`` and sees nothing else.

Output frames are not events: they are in ``cheatcode_contracts.frames``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from cheatcode_contracts.base import Command, Event, new_id
from cheatcode_contracts.projects import AppType
from cheatcode_contracts.subjects import aggregate_kind_filter, aggregate_subject, run_output_subject

RUN = "run"
USAGE = "llm_usage"

RunStatus = Literal["queued", "running", "stopping", "completed", "failed", "stopped"]
TerminalStatus = Literal["completed", "failed", "stopped"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "failed", "stopped"})


def run_subject(run_id: str) -> str:
    """``cc.evt.run.<run_id>``: every lifecycle event of one run."""
    return aggregate_subject(RUN, run_id)


def usage_subject(run_id: str) -> str:
    """``cc.evt.llm_usage.<run_id>``: the UsageRecorded events of one run."""
    return aggregate_subject(USAGE, run_id)


RUN_EVENTS_FILTER = aggregate_kind_filter(RUN)
USAGE_EVENTS_FILTER = aggregate_kind_filter(USAGE)


# ---------------------------------------------------------------------------- events


class _RunEvent(Event):
    aggregate_kind: ClassVar[str] = RUN
    aggregate_field: ClassVar[str] = "run_id"

    run_id: str


class RunRequested(_RunEvent):
    type_name: ClassVar[str] = "run.requested"

    thread_id: str
    project_id: str
    user_id: str
    model_name: str
    app_type: AppType = "web"
    triggering_message_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class RunStarted(_RunEvent):
    """A worker took the run. ``worker_id`` is the agent replica's instance id."""

    type_name: ClassVar[str] = "run.started"

    worker_id: str


class RunStopRequested(_RunEvent):
    type_name: ClassVar[str] = "run.stop_requested"

    reason: str = "Stopped by user"
    requested_by: str | None = None  # a user id, or None when a newer run replaced this one


class RunCompleted(_RunEvent):
    type_name: ClassVar[str] = "run.completed"

    message: str = "Agent run completed successfully"


class RunFailed(_RunEvent):
    type_name: ClassVar[str] = "run.failed"

    error: str


class RunStopped(_RunEvent):
    type_name: ClassVar[str] = "run.stopped"

    reason: str = "Stopped by user"


class UsageRecorded(Event):
    """Tokens of one LLM call. ``estimated`` is true when the provider sent no usage."""

    type_name: ClassVar[str] = "llm_usage.recorded"
    aggregate_kind: ClassVar[str] = USAGE
    aggregate_field: ClassVar[str] = "run_id"

    run_id: str
    user_id: str
    thread_id: str
    project_id: str
    model: str
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    call_index: int = Field(ge=0)  # 0, 1, 2... per run; with run_id it names the call
    estimated: bool = False


TERMINAL_EVENTS: tuple[type[_RunEvent], ...] = (RunCompleted, RunFailed, RunStopped)


def status_after(event: Event) -> RunStatus | None:
    """The run status a read model shows after ``event`` (None: the event changes none)."""
    if isinstance(event, RunRequested | RunStarted):
        return "running"
    if isinstance(event, RunStopRequested):
        return "stopping"
    if isinstance(event, RunCompleted):
        return "completed"
    if isinstance(event, RunFailed):
        return "failed"
    if isinstance(event, RunStopped):
        return "stopped"
    return None


# ---------------------------------------------------------------------------- commands


class StartRun(Command):
    """Start an agent run on a thread; answered by the agent service.

    Reply ``result``: ``{"run_id", "status": "running", "thread_id", "project_id",
    "model_name", "stopped_run_ids": [...]}``. Any other active run of the same project is
    asked to stop first. Errors: ``not_found`` (no such thread), ``forbidden`` (not the
    owner). ``model_name`` None → the project's model → the service's default model.
    ``triggering_message_id`` None → the thread's newest user message.
    """

    type_name: ClassVar[str] = "run.start"

    run_id: str = Field(default_factory=new_id)
    thread_id: str
    user_id: str
    model_name: str | None = None
    app_type: AppType | None = None
    triggering_message_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class StopRun(Command):
    """Ask a run to stop. Reply ``result``: ``{"run_id", "status"}`` where status is
    ``stopping`` (a worker will end it within 1 s) or ``stopped`` (no worker had started it).
    Errors: ``not_found`` (no such run, or not the user's), ``invalid`` ("Cannot stop agent
    run with status: X") when it is already terminal.
    """

    type_name: ClassVar[str] = "run.stop"

    run_id: str
    user_id: str
    reason: str = "Stopped by user"


class ReconcileStaleRuns(Command):
    """End runs left unfinished past the maximum run duration plus ``slack_seconds`` since
    their last lifecycle event (a worker that vanished after its RunRequested was acked, or a
    ``stopping`` run whose worker is gone): ``stopping`` ones end ``stopped``, the others
    ``failed``. The scheduled safety net of reference §15 ``reconcile-stale-agent-runs``.
    Reply ``result``: :class:`StaleRunReport`."""

    type_name: ClassVar[str] = "run.reconcile_stale"

    slack_seconds: float = Field(default=300.0, ge=0)

    def reply_timeout(self, default: float) -> float:
        return max(default, 60.0)  # visits every unfinished run


class StaleRunReport(BaseModel):
    unfinished: int  # runs whose last event is not terminal
    failed: int  # of those, ended ``failed`` now
    stopped: int  # of those, ended ``stopped`` now (a stop had been asked)
    run_ids: list[str] = Field(default_factory=list)  # the runs ended now


EVENTS: tuple[type[Event], ...] = (
    RunRequested,
    RunStarted,
    RunStopRequested,
    RunCompleted,
    RunFailed,
    RunStopped,
    UsageRecorded,
)
COMMANDS: tuple[type[Command], ...] = (StartRun, StopRun, ReconcileStaleRuns)


__all__ = [
    "COMMANDS",
    "EVENTS",
    "RUN",
    "RUN_EVENTS_FILTER",
    "TERMINAL_STATUSES",
    "USAGE",
    "USAGE_EVENTS_FILTER",
    "ReconcileStaleRuns",
    "RunCompleted",
    "RunFailed",
    "RunRequested",
    "RunStarted",
    "RunStatus",
    "RunStopRequested",
    "RunStopped",
    "StaleRunReport",
    "StartRun",
    "StopRun",
    "UsageRecorded",
    "run_output_subject",
    "run_subject",
    "status_after",
    "usage_subject",
]
