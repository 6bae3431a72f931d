"""Where a sandbox runs: load it, take it over from a dead host, start it on this replica.

Every replica reads the same event log, so they agree on the host; appends with the loaded
position make concurrent takeovers safe (the loser's handler is rerun and finds the winner).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cheatcode_contracts import Event
from cheatcode_contracts.sandbox import SANDBOX
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_runtime.service import NotFound, Unavailable
from cheatcode_sandbox.domain import sandbox as domain
from cheatcode_sandbox.domain.sandbox import Sandbox
from cheatcode_sandbox.handlers.deps import SandboxDeps
from cheatcode_sandbox.ports.runtime import SandboxSpec, SandboxUnavailableError

logger = logging.getLogger("cheatcode.sandbox.placement")
NOT_FOUND = "Sandbox not found"


@dataclass(frozen=True)
class Loaded:
    state: Sandbox
    position: int


async def load(deps: SandboxDeps, sandbox_id: str) -> Loaded:
    history = await deps.event_store.get().load(aggregate_subject(SANDBOX, sandbox_id))
    return Loaded(domain.fold(sandbox_id, (stored.event for stored in history.events)), history.position)


async def load_existing(deps: SandboxDeps, sandbox_id: str) -> Loaded:
    loaded = await load(deps, sandbox_id)
    if not loaded.state.exists:
        raise NotFound(NOT_FOUND)
    return loaded


async def append(deps: SandboxDeps, state: Sandbox, events: list[Event], position: int, key: str) -> int:
    result = await deps.event_store.get().append(
        aggregate_subject(SANDBOX, state.sandbox_id),
        events,
        expected_position=position,
        idempotency_key=key,
    )
    return result.position


async def host_elsewhere(deps: SandboxDeps, state: Sandbox) -> str | None:
    """The live replica running ``state`` if it is not this one."""
    if state.status != "running" or state.host is None or state.host == deps.instance_id:
        return None
    return state.host if await deps.hosts.get().is_alive(state.host) else None


async def run_here(deps: SandboxDeps, loaded: Loaded, key: str) -> tuple[Sandbox, int]:
    """Make ``loaded`` run on this replica (recording the move); returns the new state and position."""
    state, position = loaded.state, loaded.position
    alive = state.host is not None and state.host != deps.instance_id and await deps.hosts.get().is_alive(state.host)
    events = domain.start_here(state, deps.instance_id, host_alive=alive)
    if events:
        position = await append(deps, state, events, position, key)
        for event in events:
            state = state.apply(event)
    if state.host == deps.instance_id:
        await start_runtime(deps, state, position, key)
    return state, position


async def start_runtime(deps: SandboxDeps, state: Sandbox, position: int, key: str) -> None:
    if deps.runtime.is_running(state.sandbox_id):
        deps.hosted[state.sandbox_id] = state
        return
    try:
        await deps.runtime.start(SandboxSpec(sandbox_id=state.sandbox_id, app_type=state.app_type))
    except (SandboxUnavailableError, OSError) as error:
        logger.warning("sandbox %s failed to start: %s", state.sandbox_id, error)
        await append(deps, state, [domain.failed(state, deps.instance_id, str(error))], position, f"{key}:failed")
        raise Unavailable(f"sandbox could not start: {error}") from None
    deps.hosted[state.sandbox_id] = state


async def local_state(deps: SandboxDeps, sandbox_id: str, key: str) -> Sandbox:
    """The sandbox, running on this replica (taken over or started if it must be)."""
    hosted = deps.hosted.get(sandbox_id)
    if hosted is not None and deps.runtime.is_running(sandbox_id):
        return hosted
    loaded = await load_existing(deps, sandbox_id)
    state, _ = await run_here(deps, loaded, key)
    return state


async def known_state(deps: SandboxDeps, sandbox_id: str) -> Sandbox:
    """The sandbox's recorded state, without starting anything (file operations need no host)."""
    hosted = deps.hosted.get(sandbox_id)
    if hosted is not None:
        return hosted
    return (await load_existing(deps, sandbox_id)).state
