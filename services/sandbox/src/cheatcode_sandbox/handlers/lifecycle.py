"""Ensure (create/start), delete, and stop-on-shutdown of sandboxes."""

from __future__ import annotations

import logging

from cheatcode_contracts import CommandReply
from cheatcode_contracts.sandbox import DeleteSandbox, EnsureSandbox, SandboxDeletedResult, reply_result, sandbox_id_for
from cheatcode_runtime.service import NotFound
from cheatcode_sandbox.domain import sandbox as domain
from cheatcode_sandbox.handlers import placement
from cheatcode_sandbox.handlers.deps import SandboxDeps, runtime_errors

logger = logging.getLogger("cheatcode.sandbox.lifecycle")
ACTIVE = "Sandbox is active"


async def ensure_sandbox(command: EnsureSandbox, deps: SandboxDeps) -> CommandReply:
    """Create the project's sandbox if it has none, start it if it is not running on a live host."""
    loaded = await placement.load(deps, sandbox_id_for(command.project_id))
    state, position = loaded.state, loaded.position
    if state.exists and state.user_id != command.user_id:
        raise NotFound("Project not found")
    if not state.exists:
        created = domain.create(command)
        state = state.apply(created)
        position = await placement.append(deps, state, [created], position, f"{command.command_id}:created")
    if await placement.host_elsewhere(deps, state) is not None:
        return CommandReply.success(position, **reply_result(state.info(ACTIVE)))
    with runtime_errors():
        state, position = await placement.run_here(deps, placement.Loaded(state, position), command.command_id)
    return CommandReply.success(position, **reply_result(state.info(ACTIVE)))


async def delete_sandbox(command: DeleteSandbox, deps: SandboxDeps) -> CommandReply:
    """Runs on the sandbox's host (or any replica if it is not running): processes, workspace, record."""
    loaded = await placement.load_existing(deps, command.sandbox_id)
    await forget(deps, command.sandbox_id)
    with runtime_errors():
        await deps.runtime.destroy(command.sandbox_id)
    position = await placement.append(
        deps, loaded.state, [domain.deleted(loaded.state)], loaded.position, command.command_id
    )
    return CommandReply.success(
        position, **reply_result(SandboxDeletedResult(sandbox_id=command.sandbox_id, deleted=True))
    )


async def forget(deps: SandboxDeps, sandbox_id: str) -> None:
    deps.hosted.pop(sandbox_id, None)
    for process in deps.sessions.drop(sandbox_id):
        await process.kill()


async def stop_hosted(deps: SandboxDeps, reason: str) -> None:
    """On shutdown: stop every sandbox running here and record it, so no one waits for a dead host."""
    for sandbox_id in list(deps.hosted):
        await forget(deps, sandbox_id)
        await deps.runtime.stop(sandbox_id)
        try:
            loaded = await placement.load(deps, sandbox_id)
            if loaded.state.status == "running" and loaded.state.host == deps.instance_id:
                stopped = domain.stopped(loaded.state, reason)
                await placement.append(
                    deps, loaded.state, [stopped], loaded.position, f"{sandbox_id}:{reason}:{loaded.position}"
                )
        except Exception:
            logger.warning("could not record the stop of sandbox %s", sandbox_id, exc_info=True)
