"""Ensure (create/start), delete, and stop (on shutdown, or idle) of sandboxes."""

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
    sandbox_id = sandbox_id_for(command.project_id)
    loaded = await deps.sandboxes.load(sandbox_id)
    if loaded.state.exists and loaded.state.user_id != command.user_id:
        raise NotFound("Project not found")
    if not loaded.state.exists:
        loaded = await deps.sandboxes.append(
            sandbox_id, loaded, [domain.create(command)], key=f"{command.command_id}:created"
        )
    if await placement.host_elsewhere(deps, loaded.state) is None:
        with runtime_errors():
            loaded = await placement.run_here(deps, loaded, command.command_id)
    return CommandReply.success(loaded.position, **reply_result(loaded.state.info(ACTIVE)))


async def delete_sandbox(command: DeleteSandbox, deps: SandboxDeps) -> CommandReply:
    """Runs on the sandbox's host (or any replica if it is not running): processes, workspace, record."""
    loaded = await placement.load_existing(deps, command.sandbox_id)
    await forget(deps, command.sandbox_id)
    with runtime_errors():
        await deps.runtime.destroy(command.sandbox_id)
    loaded = await deps.sandboxes.append(
        command.sandbox_id, loaded, [domain.deleted(loaded.state)], key=command.command_id
    )
    return CommandReply.success(
        loaded.position, **reply_result(SandboxDeletedResult(sandbox_id=command.sandbox_id, deleted=True))
    )


async def forget(deps: SandboxDeps, sandbox_id: str) -> None:
    deps.hosted.pop(sandbox_id, None)
    deps.activity.forget(sandbox_id)
    for process in deps.sessions.drop(sandbox_id):
        await process.kill()


async def stop_here(deps: SandboxDeps, sandbox_id: str, reason: str) -> None:
    """Stop a sandbox running here and record it (unless the log says it runs elsewhere now)."""
    await forget(deps, sandbox_id)
    await deps.runtime.stop(sandbox_id)
    try:
        loaded = await deps.sandboxes.load(sandbox_id)
        if loaded.state.status == "running" and loaded.state.host == deps.instance_id:
            stopped = domain.stopped(loaded.state, reason)
            await deps.sandboxes.append(sandbox_id, loaded, [stopped], key=f"{sandbox_id}:{reason}:{loaded.position}")
    except Exception:
        # Stopped but recorded running here: its next use finds it not running and starts it again.
        logger.warning("could not record the stop of sandbox %s", sandbox_id, exc_info=True)


async def stop_hosted(deps: SandboxDeps, reason: str) -> None:
    """On shutdown: stop every sandbox running here and record it, so no one waits for a dead host."""
    for sandbox_id in list(deps.hosted):
        await stop_here(deps, sandbox_id, reason)
