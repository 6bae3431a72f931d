"""StartRun and StopRun: the run lifecycle commands the API sends."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cheatcode_agent.domain import run as runs, threads
from cheatcode_agent.handlers.projects import load_project
from cheatcode_agent.handlers.runs_output import ensure_terminal_frame
from cheatcode_agent.ports import EventStore
from cheatcode_agent.ports.run_index import ProjectRuns
from cheatcode_agent.ports.run_output import RunOutput
from cheatcode_contracts import CommandReply
from cheatcode_contracts.runs import StartRun, StopRun, run_subject
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import THREAD, MessageAdded
from cheatcode_runtime.eventstore import ConcurrencyError
from cheatcode_runtime.service import Conflict, Invalid, NotFound

logger = logging.getLogger("cheatcode.agent.runs")

REPLACED = "Run cancelled by newer request"  # the original's message for the same case


@dataclass(frozen=True)
class RunCommandDeps:
    store: EventStore
    output: RunOutput
    project_runs: ProjectRuns
    default_model: str


async def start_run(command: StartRun, deps: RunCommandDeps) -> CommandReply:
    """Request the run (a worker picks it up from the stream) and stop the project's older run."""
    history = await deps.store.load(aggregate_subject(THREAD, command.thread_id))
    thread = threads.replay((s.position, s.event) for s in history.events)
    if thread is None or not thread.is_visible_to(command.user_id):
        raise NotFound(f"thread {command.thread_id} not found")
    project = await load_project(deps.store, thread.project_id, user_id=command.user_id)
    trigger = command.triggering_message_id or _newest_user_message(thread)
    model = command.model_name or project.model_name or deps.default_model
    requested = runs.request(
        command,
        project_id=project.project_id,
        model_name=model,
        app_type=command.app_type or project.app_type,
        trigger=trigger,
    )
    subject = run_subject(command.run_id)
    try:
        result = await deps.store.append(subject, [requested], expected_position=0, idempotency_key=command.command_id)
    except ConcurrencyError:
        raise Conflict(f"agent run {command.run_id} already exists") from None
    stopped = []
    previous = await deps.project_runs.replace(project.project_id, command.run_id)
    if previous is not None and await _stop(deps, previous, reason=REPLACED, requested_by=None):
        stopped.append(previous)
    return CommandReply.success(
        position=result.position,
        run_id=command.run_id,
        status="running",
        thread_id=thread.thread_id,
        project_id=project.project_id,
        model_name=model,
        stopped_run_ids=stopped,
    )


async def stop_run(command: StopRun, deps: RunCommandDeps) -> CommandReply:
    history = await deps.store.load(run_subject(command.run_id))
    run = runs.replay(s.event for s in history.events)
    if run is None or run.user_id != command.user_id:
        raise NotFound(f"agent run {command.run_id} not found")
    events = runs.request_stop(run, reason=command.reason, requested_by=command.user_id)
    position = history.position
    if events:
        appended = await deps.store.append(
            history.subject, events, expected_position=history.position, idempotency_key=command.command_id
        )
        position = appended.position
        for event in events:
            runs.apply(run, event)
    if run.is_terminal:  # it had not started: no worker will write its last frame
        await ensure_terminal_frame(deps.output, run)
    return CommandReply.success(position=position, run_id=run.run_id, status=run.status)


async def _stop(deps: RunCommandDeps, run_id: str, *, reason: str, requested_by: str | None) -> bool:
    """Ask an older run to stop; False when it had already ended. Retries write conflicts."""
    for _ in range(5):
        history = await deps.store.load(run_subject(run_id))
        run = runs.replay(s.event for s in history.events)
        if run is None or run.is_terminal:
            return False
        events = runs.request_stop(run, reason=reason, requested_by=requested_by)
        if not events:
            return True
        try:
            await deps.store.append(
                history.subject, events, expected_position=history.position, idempotency_key=f"{run_id}:replaced"
            )
        except ConcurrencyError:
            continue
        for event in events:
            runs.apply(run, event)
        if run.is_terminal:
            await ensure_terminal_frame(deps.output, run)
        return True
    logger.warning("could not stop run %s: too many concurrent changes", run_id)
    return False


def _newest_user_message(thread: threads.Thread) -> str | None:
    users = [e.message_id for _, e in thread.messages.values() if isinstance(e, MessageAdded) and e.type == "user"]
    return users[-1] if users else None


__all__ = ["Invalid", "RunCommandDeps", "start_run", "stop_run"]
