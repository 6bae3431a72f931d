"""Where a sandbox runs: load it, take it over from a dead host, start it on this replica.

Every replica reads the same event log, so they agree on the host; appends with the loaded
position make concurrent takeovers safe (the loser's handler is rerun and finds the winner).
Loading and appending are the generic ``Repository``'s; this module is the placement policy.
"""

from __future__ import annotations

import logging

from cheatcode_runtime.eventstore import Loaded
from cheatcode_runtime.service import NotFound, Unavailable
from cheatcode_sandbox.domain import sandbox as domain
from cheatcode_sandbox.domain.sandbox import Sandbox
from cheatcode_sandbox.handlers.deps import SandboxDeps
from cheatcode_sandbox.ports.runtime import SandboxSpec, SandboxUnavailableError

logger = logging.getLogger("cheatcode.sandbox.placement")
NOT_FOUND = "Sandbox not found"


async def load_existing(deps: SandboxDeps, sandbox_id: str) -> Loaded[Sandbox]:
    loaded = await deps.sandboxes.load(sandbox_id)
    if not loaded.state.exists:
        raise NotFound(NOT_FOUND)
    return loaded


async def host_elsewhere(deps: SandboxDeps, state: Sandbox) -> str | None:
    """The live replica running ``state`` if it is not this one."""
    if state.status != "running" or state.host is None or state.host == deps.instance_id:
        return None
    return state.host if await deps.hosts.get().is_alive(state.host) else None


async def run_here(deps: SandboxDeps, loaded: Loaded[Sandbox], key: str) -> Loaded[Sandbox]:
    """Make ``loaded`` run on this replica (recording the move); returns the new state and position."""
    state = loaded.state
    alive = state.host is not None and state.host != deps.instance_id and await deps.hosts.get().is_alive(state.host)
    loaded = await deps.sandboxes.append(
        state.sandbox_id, loaded, domain.start_here(state, deps.instance_id, host_alive=alive), key=key
    )
    if loaded.state.host == deps.instance_id:
        await start_runtime(deps, loaded, key)
    return loaded


async def start_runtime(deps: SandboxDeps, loaded: Loaded[Sandbox], key: str) -> None:
    state = loaded.state
    deps.activity.touch(state.sandbox_id)
    if deps.runtime.is_running(state.sandbox_id):
        deps.hosted[state.sandbox_id] = state
        return
    try:
        await deps.runtime.start(SandboxSpec(sandbox_id=state.sandbox_id, app_type=state.app_type))
    except (SandboxUnavailableError, OSError) as error:
        logger.warning("sandbox %s failed to start: %s", state.sandbox_id, error)
        failed = domain.failed(state, deps.instance_id, str(error))
        await deps.sandboxes.append(state.sandbox_id, loaded, [failed], key=f"{key}:failed")
        raise Unavailable(f"sandbox could not start: {error}") from None
    deps.hosted[state.sandbox_id] = state


async def local_state(deps: SandboxDeps, sandbox_id: str, key: str) -> Sandbox:
    """The sandbox, running on this replica (taken over or started if it must be)."""
    hosted = deps.hosted.get(sandbox_id)
    if hosted is not None and deps.runtime.is_running(sandbox_id):
        return hosted
    return (await run_here(deps, await load_existing(deps, sandbox_id), key)).state


async def known_state(deps: SandboxDeps, sandbox_id: str) -> Sandbox:
    """The sandbox's recorded state, without starting anything (file operations need no host)."""
    hosted = deps.hosted.get(sandbox_id)
    if hosted is not None:
        return hosted
    return (await load_existing(deps, sandbox_id)).state
