"""Commands in the sandbox: blocking runs, background sessions, and a workspace grep."""

from __future__ import annotations

import re
import shlex
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cheatcode_agent.tools.base import Tool, ToolContext, ToolFailure, ToolResult
from cheatcode_contracts.sandbox import ExecuteCommand, GetSessionStatus, KillSession

SESSION_NAME = r"^[A-Za-z0-9_.-]+$"
GREP_FORBIDDEN = set("$`|;&")
GREP_EXCLUDED_DIRS = ("node_modules", ".git", ".next", "dist", "build", ".expo", "coverage")


class ExecuteArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    command: str = Field(min_length=1)
    folder: str | None = Field(default=None, description="working directory, relative to the app directory")
    session_name: str | None = Field(default=None, pattern=SESSION_NAME)
    blocking: bool = Field(default=True, description="false: start in a named session and return at once")
    timeout: int = Field(default=60, ge=1, le=600)


class SessionArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    session_name: str = Field(pattern=SESSION_NAME)


class CheckArgs(SessionArgs):
    kill_session: bool = False


class GrepArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pattern: str = Field(min_length=1, max_length=500)
    file_pattern: str | None = Field(default=None, description='glob such as "*.{ts,tsx}"; default: all files')
    case_sensitive: bool = True
    max_results: int = Field(default=50, ge=1, le=50)


async def execute_command(args: Any, context: ToolContext) -> ToolResult:
    session = args.session_name
    if not args.blocking and session is None:
        session = "session_default"
    command = ExecuteCommand(
        sandbox_id=context.sandbox_id,
        command=args.command,
        cwd=args.folder,
        timeout=min(args.timeout, int(context.timeout)),
        blocking=args.blocking,
        session_name=session,
    )
    result = await context.call(command)
    if args.blocking:
        output = {"output": result.output, "exit_code": result.exit_code, "completed": True}
        if result.timed_out:
            output["timed_out"] = True
        return ToolResult(bool(result.success), output)
    message = f"Command started in session '{result.session_name}'; check it with check_command_output"
    started = {"session_name": result.session_name, "command_id": result.command_id, "completed": False}
    return ToolResult(True, {**started, "message": message})


async def check_command_output(args: Any, context: ToolContext) -> ToolResult:
    status = await context.call(GetSessionStatus(sandbox_id=context.sandbox_id, session_name=args.session_name))
    log = "\n".join(
        f"Command: {c.command}\nExit Code: {'running' if c.running else c.exit_code}\nOutput:\n{c.logs}"
        for c in status.commands
    )
    running = any(c.running for c in status.commands)
    if args.kill_session:
        await context.call(KillSession(sandbox_id=context.sandbox_id, session_name=args.session_name))
    state = "running" if running and not args.kill_session else "finished"
    return ToolResult(
        True,
        {"session_name": args.session_name, "status": state, "output": log, "commands_count": status.total_commands},
    )


async def terminate_command(args: Any, context: ToolContext) -> ToolResult:
    result = await context.call(KillSession(sandbox_id=context.sandbox_id, session_name=args.session_name))
    return ToolResult(True, {"session_name": args.session_name, "killed": result.killed})


def grep_command(args: GrepArgs) -> str:
    if GREP_FORBIDDEN.intersection(args.pattern):
        raise ToolFailure("pattern must not contain any of: $ ` | ; &")
    parts = ["grep", "-rnIE", "--color=never"]
    if not args.case_sensitive:
        parts.append("-i")
    parts += [f"--exclude-dir={name}" for name in GREP_EXCLUDED_DIRS]
    parts += [f"--include={glob}" for glob in _expand_braces(args.file_pattern or "")]
    parts += ["-e", args.pattern, "."]
    return f"{shlex.join(parts)} | head -n {args.max_results * 4}"


async def grep_workspace(args: Any, context: ToolContext) -> ToolResult:
    result = await context.call(
        ExecuteCommand(sandbox_id=context.sandbox_id, command=grep_command(args), timeout=min(60, int(context.timeout)))
    )
    matches: list[dict[str, Any]] = []
    for line in result.output.splitlines():
        found = re.match(r"^\./(.+?):(\d+):(.*)$", line)
        if found and len(matches) < args.max_results:
            matches.append({"file": found[1], "line": int(found[2]), "content": found[3][:200]})
    files = len({m["file"] for m in matches})
    message = f"Found {len(matches)} matches in {files} files" if matches else "No matches found"
    return ToolResult(True, {"message": message, "matches": matches, "total": len(matches), "files_count": files})


def _expand_braces(glob: str) -> list[str]:
    """``*.{ts,tsx}`` → ``*.ts``, ``*.tsx`` (grep's --include has no brace expansion)."""
    found = re.search(r"\{([^{}]*)\}", glob)
    if not glob:
        return []
    if not found:
        return [glob]
    head, tail = glob[: found.start()], glob[found.end() :]
    return [item for option in found[1].split(",") for item in _expand_braces(head + option + tail)]


SHELL_TOOLS = (
    Tool(
        "execute_command",
        "Run a shell command in the app directory. blocking=true waits and returns the output; "
        "blocking=false starts it in a named session (for dev servers) and returns at once.",
        ExecuteArgs,
        execute_command,
    ),
    Tool("check_command_output", "Show the output of the commands of a session.", CheckArgs, check_command_output),
    Tool("terminate_command", "Stop every command running in a session.", SessionArgs, terminate_command),
    Tool("grep_workspace", "Search file contents (extended regex) in the workspace.", GrepArgs, grep_workspace),
)
