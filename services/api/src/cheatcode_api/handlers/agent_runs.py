"""Agent runs: start, stop, read. Commands go to the agent service; reads come from ``agent_runs``."""

from __future__ import annotations

from typing import Any

from cheatcode_api.domain.runs import ACTIVE_STATUSES, RunRow
from cheatcode_api.handlers.deps import HandlerDeps
from cheatcode_api.handlers.errors import InvalidRequestError, NotFoundError
from cheatcode_api.handlers.threads import NOT_FOUND as THREAD_NOT_FOUND, get_thread
from cheatcode_api.ports.agent_runs import RunReads
from cheatcode_api.ports.commands import CommandRejectedError
from cheatcode_contracts import ErrorCode
from cheatcode_contracts.projects import as_app_type
from cheatcode_contracts.runs import StartRun, StopRun

PROJECTION = "agent_runs"
NOT_FOUND = "Agent run not found"


class RunStateError(InvalidRequestError):
    """The run is not in a state that allows the request."""


def run_metadata(options: dict[str, Any]) -> dict[str, Any]:
    """The start options the original kept in ``agent_runs.metadata``."""
    keys = ("enable_thinking", "reasoning_effort", "stream", "enable_context_manager")
    return {key: options[key] for key in keys if key in options}


def normalise_app_type(app_type: str | None) -> str | None:
    """An unknown app type silently becomes ``web`` (reference §7.1)."""
    return None if app_type is None else as_app_type(app_type)


async def start_run(
    deps: HandlerDeps,
    user_id: str,
    thread_id: str,
    *,
    model_name: str | None,
    app_type: str | None,
    options: dict[str, Any],
    run_id: str | None = None,
    triggering_message_id: str | None = None,
) -> str:
    """Ask the agent service to start a run; return its id once the read model shows it."""
    fields: dict[str, Any] = {
        "thread_id": thread_id,
        "user_id": user_id,
        "model_name": model_name or None,
        "app_type": normalise_app_type(app_type),
        "triggering_message_id": triggering_message_id,
        "metadata": run_metadata(options),
    }
    command = StartRun(**fields) if run_id is None else StartRun(run_id=run_id, **fields)
    reply = await deps.send_and_wait(command, PROJECTION, not_found=THREAD_NOT_FOUND)
    return str(reply.result.get("run_id", command.run_id))


async def stop_run(deps: HandlerDeps, runs: RunReads, user_id: str, run_id: str) -> None:
    row = await get_run(runs, user_id, run_id)
    if row.status not in ACTIVE_STATUSES:
        raise RunStateError(f"Cannot stop agent run with status: {row.status}")
    try:
        await deps.send_and_wait(StopRun(run_id=run_id, user_id=user_id), PROJECTION, not_found=NOT_FOUND)
    except CommandRejectedError as error:
        if error.code is ErrorCode.INVALID:  # it ended between our read and the agent's check
            raise RunStateError(error.detail) from None
        raise


async def get_run(runs: RunReads, user_id: str, run_id: str) -> RunRow:
    row = await runs.get_run(user_id, run_id)
    if row is None:
        raise NotFoundError(NOT_FOUND)
    return row


async def list_thread_runs(deps: HandlerDeps, runs: RunReads, user_id: str, thread_id: str) -> list[RunRow]:
    thread = await get_thread(deps, user_id, thread_id)
    if thread.user_id != user_id:  # a public thread is readable, its runs are the owner's business
        raise NotFoundError(THREAD_NOT_FOUND)
    return await runs.list_thread_runs(user_id, thread_id)
