"""Commands in a sandbox: blocking runs, and named sessions of long-running processes."""

from __future__ import annotations

import time
from dataclasses import replace

from cheatcode_contracts import CommandReply
from cheatcode_contracts.sandbox import (
    ExecuteCommand,
    ExecuteResult,
    GetSessionStatus,
    KillSession,
    KillSessionResult,
    ListSessions,
    SessionList,
    app_dir,
    reply_result,
)
from cheatcode_runtime.service import Invalid, NotFound
from cheatcode_sandbox.domain import sessions
from cheatcode_sandbox.handlers import placement
from cheatcode_sandbox.handlers.deps import SandboxDeps, runtime_errors


async def execute(command: ExecuteCommand, deps: SandboxDeps) -> CommandReply:
    if "\x00" in command.command or "\x00" in (command.cwd or ""):  # the contract refuses it too
        raise Invalid("command and cwd must not contain a NUL byte")
    state = await placement.local_state(deps, command.sandbox_id, command.command_id)
    cwd = command.cwd or app_dir(state.app_type)
    if command.blocking:
        limits = replace(deps.command_limits, cpu_seconds=min(deps.command_limits.cpu_seconds, command.timeout + 5))
        with runtime_errors():
            outcome = await deps.runtime.run(
                command.sandbox_id, command.command, cwd=cwd, time_limit=command.timeout, limits=limits
            )
        result = ExecuteResult(
            blocking=True,
            output=outcome.output,
            exit_code=outcome.exit_code,
            success=outcome.exit_code == 0,
            timed_out=outcome.timed_out,
            truncated=outcome.truncated,
        )
        return CommandReply.success(0, **reply_result(result))
    session_name = command.session_name or f"session_{command.sandbox_id}_{int(time.time())}"
    with runtime_errors():
        process = await deps.runtime.spawn(command.sandbox_id, command.command, cwd=cwd, limits=deps.session_limits)
    deps.sessions.add(command.sandbox_id, session_name, process)
    result = ExecuteResult(blocking=False, session_name=session_name, command_id=process.command_id)
    return CommandReply.success(0, **reply_result(result))


async def session_status(command: GetSessionStatus, deps: SandboxDeps) -> CommandReply:
    await placement.local_state(deps, command.sandbox_id, command.command_id)
    commands = deps.sessions.get(command.sandbox_id, command.session_name)
    if commands is None:
        raise NotFound(f"Session not found: {command.session_name}")
    return CommandReply.success(0, **reply_result(sessions.status(command.session_name, commands)))


async def list_sessions(command: ListSessions, deps: SandboxDeps) -> CommandReply:
    await placement.local_state(deps, command.sandbox_id, command.command_id)
    found = [sessions.status(name, processes) for name, processes in deps.sessions.all(command.sandbox_id).items()]
    return CommandReply.success(0, **reply_result(SessionList(sessions=found)))


async def kill_session(command: KillSession, deps: SandboxDeps) -> CommandReply:
    await placement.local_state(deps, command.sandbox_id, command.command_id)
    commands = deps.sessions.get(command.sandbox_id, command.session_name)
    if commands is None:
        raise NotFound(f"Session not found: {command.session_name}")
    running = [process for process in commands if process.returncode is None]
    for process in running:
        await process.kill()
    return CommandReply.success(
        0, **reply_result(KillSessionResult(session_name=command.session_name, killed=len(running)))
    )
