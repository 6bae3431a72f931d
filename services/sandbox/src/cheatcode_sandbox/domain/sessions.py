"""Named sessions of one host: which commands were started in which session (in memory)."""

from __future__ import annotations

from collections import defaultdict

from cheatcode_contracts.sandbox import SessionCommandInfo, SessionStatus
from cheatcode_sandbox.ports.runtime import SandboxProcess

MAX_COMMANDS_PER_SESSION = 50


class Sessions:
    """Sessions live as long as their host process: a restarted host starts with none."""

    def __init__(self) -> None:
        self._by_sandbox: dict[str, dict[str, list[SandboxProcess]]] = defaultdict(dict)

    def add(self, sandbox_id: str, session_name: str, process: SandboxProcess) -> None:
        commands = self._by_sandbox[sandbox_id].setdefault(session_name, [])
        commands.append(process)
        # Old finished commands go first; running ones are never forgotten.
        while len(commands) > MAX_COMMANDS_PER_SESSION:
            finished = next((c for c in commands if c.returncode is not None), None)
            if finished is None:
                break
            commands.remove(finished)

    def get(self, sandbox_id: str, session_name: str) -> list[SandboxProcess] | None:
        return self._by_sandbox.get(sandbox_id, {}).get(session_name)

    def all(self, sandbox_id: str) -> dict[str, list[SandboxProcess]]:
        return dict(self._by_sandbox.get(sandbox_id, {}))

    def drop(self, sandbox_id: str) -> list[SandboxProcess]:
        sessions = self._by_sandbox.pop(sandbox_id, {})
        return [process for commands in sessions.values() for process in commands]


def status(session_name: str, commands: list[SandboxProcess]) -> SessionStatus:
    infos = [
        SessionCommandInfo(
            command_id=c.command_id,
            command=c.command,
            exit_code=c.returncode,
            running=c.returncode is None,
            logs=c.logs(),
        )
        for c in commands
    ]
    return SessionStatus(session_name=session_name, commands=infos, total_commands=len(infos))
