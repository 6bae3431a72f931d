"""A protocol double of the sandbox service: real NATS responders for the sandbox contracts,
working on a temporary directory with plain subprocesses (no isolation).

Used until the real sandbox service runs in these tests; it speaks the same subjects and
reply models (``cheatcode_contracts.sandbox``), so the agent's adapter is exercised for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from pydantic import BaseModel

from cheatcode_contracts import Command, CommandReply, ErrorCode, build_registry, sandbox as sb, subject_for
from cheatcode_contracts.envelope import decode


class Refused(Exception):
    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class SandboxProtocolDouble:
    def __init__(self, client: Client, root: Path) -> None:
        self.client = client
        self.root = root
        self.sandboxes: dict[str, str] = {}  # sandbox id -> app type
        self.sessions: dict[tuple[str, str], list[tuple[str, asyncio.subprocess.Process, list[bytes]]]] = {}
        self._subs: list[Subscription] = []
        self._readers: set[asyncio.Task[None]] = set()
        self._registry = build_registry()

    async def start(self) -> None:
        handlers: dict[type[Command], Callable[[Any], Awaitable[BaseModel]]] = {
            sb.EnsureSandbox: self.ensure,
            sb.ExecuteCommand: self.execute,
            sb.GetSessionStatus: self.session_status,
            sb.KillSession: self.kill_session,
            sb.WriteFile: self.write_file,
            sb.ReadFile: self.read_file,
            sb.ListFiles: self.list_files,
            sb.DeleteFile: self.delete_file,
        }
        for command, handle in handlers.items():
            self._subs.append(await self.client.subscribe(subject_for(command), cb=self._responder(handle)))
        await self.client.flush()

    async def stop(self) -> None:
        for sub in self._subs:
            await sub.unsubscribe()
        for commands in self.sessions.values():
            for _, process, _ in commands:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()

    def _responder(self, handle: Callable[[Any], Awaitable[BaseModel]]) -> Callable[[Msg], Awaitable[None]]:
        async def respond(msg: Msg) -> None:
            try:
                command = decode(self._registry, msg.headers, msg.data)
                reply = CommandReply.success(0, **sb.reply_result(await handle(command)))
            except Refused as error:
                reply = CommandReply.failure(error.code, str(error))
            await msg.respond(reply.model_dump_json().encode())

        return respond

    def workspace(self, sandbox_id: str) -> Path:
        if sandbox_id not in self.sandboxes:
            raise Refused(ErrorCode.NOT_FOUND, f"sandbox {sandbox_id} not found")
        return self.root / sandbox_id / "workspace"

    def path(self, sandbox_id: str, path: str) -> Path:
        workspace = self.workspace(sandbox_id)
        app = Path(sb.app_dir(self.sandboxes[sandbox_id])).relative_to(sb.WORKSPACE_ROOT)
        relative = Path(path).relative_to(sb.WORKSPACE_ROOT) if path.startswith("/") else app / path
        resolved = (workspace / relative).resolve()
        if not resolved.is_relative_to(workspace.resolve()):
            raise Refused(ErrorCode.INVALID, f"path outside the workspace: {path}")
        return resolved

    async def ensure(self, command: sb.EnsureSandbox) -> sb.SandboxInfo:
        sandbox_id = sb.sandbox_id_for(command.project_id)
        self.sandboxes[sandbox_id] = command.app_type
        self.path(sandbox_id, ".").mkdir(parents=True, exist_ok=True)
        return sb.SandboxInfo(
            sandbox_id=sandbox_id, project_id=command.project_id, status="running", app_type=command.app_type
        )

    async def execute(self, command: sb.ExecuteCommand) -> sb.ExecuteResult:
        cwd = self.path(command.sandbox_id, command.cwd or ".")
        process = await asyncio.create_subprocess_exec(
            "bash", "-c", command.command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        if not command.blocking:
            name = command.session_name or "default"
            logs: list[bytes] = []
            self.sessions.setdefault((command.sandbox_id, name), []).append((command.command, process, logs))
            reader = asyncio.create_task(self._collect(process, logs))
            self._readers.add(reader)
            reader.add_done_callback(self._readers.discard)
            return sb.ExecuteResult(blocking=False, session_name=name, command_id=str(process.pid))
        try:
            output, _ = await asyncio.wait_for(process.communicate(), command.timeout)
        except TimeoutError:
            process.kill()
            return sb.ExecuteResult(blocking=True, output="", exit_code=-1, timed_out=True)
        code = process.returncode
        return sb.ExecuteResult(blocking=True, output=output.decode(), exit_code=code, success=code == 0)

    async def _collect(self, process: asyncio.subprocess.Process, logs: list[bytes]) -> None:
        assert process.stdout is not None
        while chunk := await process.stdout.read(4096):
            logs.append(chunk)
        await process.wait()

    async def session_status(self, command: sb.GetSessionStatus) -> sb.SessionStatus:
        commands = self.sessions.get((command.sandbox_id, command.session_name))
        if commands is None:
            raise Refused(ErrorCode.NOT_FOUND, f"session {command.session_name} not found")
        infos = [
            sb.SessionCommandInfo(
                command_id=str(p.pid),
                command=text,
                exit_code=p.returncode,
                running=p.returncode is None,
                logs=b"".join(logs).decode(),
            )
            for text, p, logs in commands
        ]
        return sb.SessionStatus(session_name=command.session_name, commands=infos, total_commands=len(infos))

    async def kill_session(self, command: sb.KillSession) -> sb.KillSessionResult:
        killed = 0
        for _, process, _ in self.sessions.get((command.sandbox_id, command.session_name), []):
            if process.returncode is None:
                process.kill()
                await process.wait()
                killed += 1
        return sb.KillSessionResult(session_name=command.session_name, killed=killed)

    async def write_file(self, command: sb.WriteFile) -> sb.FileWritten:
        target = self.path(command.sandbox_id, command.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("ab" if command.append else "wb") as handle:
            handle.write(sb.b64decode(command.content_b64))
        return sb.FileWritten(path=command.path, size=target.stat().st_size)

    async def read_file(self, command: sb.ReadFile) -> sb.FileChunk:
        target = self.path(command.sandbox_id, command.path)
        if not target.is_file():
            raise Refused(ErrorCode.NOT_FOUND, f"file not found: {command.path}")
        data = target.read_bytes()
        chunk = data[command.offset : command.offset + command.length]
        eof = command.offset + len(chunk) >= len(data)
        return sb.FileChunk(
            path=command.path, offset=command.offset, size=len(data), content_b64=sb.b64encode(chunk), eof=eof
        )

    async def list_files(self, command: sb.ListFiles) -> sb.FileListing:
        target = self.path(command.sandbox_id, command.path)
        if not target.is_dir():
            raise Refused(ErrorCode.NOT_FOUND, f"directory not found: {command.path}")
        entries = [
            sb.FileEntry(
                name=p.name,
                path=f"{command.path}/{p.name}",
                is_dir=p.is_dir(),
                size=p.stat().st_size,
                mod_time=datetime.fromtimestamp(p.stat().st_mtime, UTC).isoformat(),
                permissions="644",
            )
            for p in sorted(target.iterdir())
        ]
        return sb.FileListing(files=entries)

    async def delete_file(self, command: sb.DeleteFile) -> sb.FileDeletedResult:
        target = self.path(command.sandbox_id, command.path)
        if not target.exists():
            raise Refused(ErrorCode.NOT_FOUND, f"not found: {command.path}")
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
        return sb.FileDeletedResult(path=command.path, deleted=True)
