"""StartRun and StopRun: the run lifecycle commands the API sends."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cheatcode_agent.domain import run as runs
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.frame_writer import ensure_terminal_frame
from cheatcode_agent.ports.project_runs import ProjectRuns
from cheatcode_agent.ports.run_output import RunOutput
from cheatcode_contracts import CommandReply, Event
from cheatcode_contracts.runs import StartRun, StopRun
from cheatcode_runtime.errors import Conflict, Invalid, NotFound
from cheatcode_runtime.eventstore import ConcurrencyError, TooManyConflictsError

logger = logging.getLogger("cheatcode.agent.runs")

REPLACED = "Run cancelled by newer request"  # the original's message for the same case


@dataclass(frozen=True)
class RunCommandDeps:
    aggregates: Aggregates
    output: RunOutput
    project_runs: ProjectRuns
    default_model: str


async def start_run(command: StartRun, deps: RunCommandDeps) -> CommandReply:
    """Request the run (a worker picks it up from the stream) and stop the project's older run."""
    aggregates = deps.aggregates
    thread = await aggregates.visible_thread(command.thread_id, user_id=command.user_id)
    project = await aggregates.visible_project(thread.project_id, user_id=command.user_id)
    model = command.model_name or project.model_name or deps.default_model
    requested = runs.request(
        command,
        project_id=project.project_id,
        model_name=model,
        app_type=command.app_type or project.app_type,
        trigger=command.triggering_message_id or thread.newest_user_message(),
    )
    try:
        loaded = await aggregates.runs.create(command.run_id, [requested], key=command.command_id)
    except ConcurrencyError:
        raise Conflict(f"agent run {command.run_id} already exists") from None
    stopped = []
    previous = await deps.project_runs.replace(project.project_id, command.run_id)
    if previous is not None and await _stop(deps, previous, reason=REPLACED, requested_by=None):
        stopped.append(previous)
    return CommandReply.success(
        position=loaded.position,
        run_id=command.run_id,
        status="running",
        thread_id=thread.thread_id,
        project_id=project.project_id,
        model_name=model,
        stopped_run_ids=stopped,
    )


async def stop_run(command: StopRun, deps: RunCommandDeps) -> CommandReply:
    """A concurrency conflict propagates: the runtime reruns this handler, which reloads."""
    loaded = await deps.aggregates.runs.load(command.run_id)
    if not loaded.state.exists or loaded.state.user_id != command.user_id:
        raise NotFound(f"agent run {command.run_id} not found")
    events = runs.request_stop(loaded.state, reason=command.reason, requested_by=command.user_id)
    loaded = await deps.aggregates.runs.append(command.run_id, loaded, events, key=command.command_id)
    run = loaded.state
    if run.is_terminal:  # it had not started: no worker will write its last frame
        await ensure_terminal_frame(deps.output, run)
    return CommandReply.success(position=loaded.position, run_id=run.run_id, status=run.status)


async def _stop(deps: RunCommandDeps, run_id: str, *, reason: str, requested_by: str | None) -> bool:
    """Ask an older run to stop; False when it had already ended (or never existed)."""

    def decide(run: runs.Run) -> list[Event]:
        if not run.exists:
            return []
        return runs.request_stop(run, reason=reason, requested_by=requested_by)  # Invalid: it ended

    try:
        loaded = await deps.aggregates.runs.update(run_id, decide, key=f"{run_id}:replaced")
    except Invalid:
        return False
    except TooManyConflictsError:
        logger.warning("could not stop run %s: too many concurrent changes", run_id)
        return False
    if not loaded.state.exists:
        return False
    if loaded.state.is_terminal:  # stopped before a worker took it: we write its last frame
        await ensure_terminal_frame(deps.output, loaded.state)
    return True


__all__ = ["Invalid", "RunCommandDeps", "start_run", "stop_run"]
