"""The whole stack as real processes: ``cheatcode up`` with its own home and free ports.

Used by the e2e suite (``stack`` fixture) and by the supervisor's own integration tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from cheatcode_infra.dev_issuer import DevIssuer
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.home import StackHome

# Settings from the developer's shell must not leak into the stack under test.
_SCRUBBED_PREFIXES = ("CHEATCODE_",)
_SCRUBBED = {"OPENROUTER_API_KEY", "LLM_BASE_URL", "LLM_API_KEY"}


class StackError(RuntimeError):
    pass


class Stack:
    def __init__(
        self,
        home: Path,
        *,
        api_port: int | None = None,
        env: dict[str, str] | None = None,
        up_args: tuple[str, ...] = (),  # more `cheatcode up` options, e.g. ("--nats-cluster", "3")
    ) -> None:
        self.home = home
        self.up_args = up_args
        self.paths = StackHome(home)
        self.api_port = api_port or free_port()
        self._extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def console_log(self) -> Path:
        return self.home / "up-console.log"

    def _env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in _SCRUBBED and not key.startswith(_SCRUBBED_PREFIXES)
        }
        return {**env, "CHEATCODE_HOME": str(self.home), **self._extra_env}

    def start(self, *, timeout: float = 60.0, wait_for_api: bool = True) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "cheatcode_infra", "up", "--home", str(self.home)]
        command += ["--api-port", str(self.api_port), *self.up_args]
        with open(self.console_log, "ab") as console:
            self.process = subprocess.Popen(command, env=self._env(), stdout=console, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        self._wait(deadline, self._state_written, "the supervisor to report the stack up")
        if wait_for_api:
            self._wait(deadline, self._api_healthy, f"GET {self.base_url}/api/health to answer 200")

    def _wait(self, deadline: float, ready: Any, what: str) -> None:
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise StackError(f"cheatcode up exited with {self.process.returncode}\n{self.logs()}")
            if ready():
                return
            time.sleep(0.1)
        raise StackError(f"timed out waiting for {what}\n{self.logs()}")

    def _state_written(self) -> bool:
        """``stack.json`` written by *this* supervisor (a stale one may be left by a killed run)."""
        try:
            return self.process is not None and self.state()["supervisor_pid"] == self.process.pid
        except (OSError, ValueError, KeyError):
            return False

    def _api_healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def state(self) -> dict[str, Any]:
        """Endpoints the supervisor wrote to ``stack.json`` (NATS, database, JWKS, pids)."""
        state: dict[str, Any] = json.loads(self.paths.state_file.read_text())
        return state

    def nats_password(self, user: str) -> str:
        return (self.paths.secrets / f"nats-{user}.password").read_text().strip()

    @property
    def admin_api_key(self) -> str:
        return (self.paths.secrets / "admin-api-key").read_text().strip()

    def token(self, user_id: str, email: str | None = None, ttl_seconds: int = 3600) -> str:
        return DevIssuer.load(self.paths.dev_issuer).mint(user_id, email=email, ttl_seconds=ttl_seconds)

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM (what Ctrl-C does), then wait; returns the supervisor's exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise StackError(f"cheatcode up did not stop within {timeout}s\n{self.logs()}") from None
        finally:
            self.process = None
        return code

    def logs(self, tail_lines: int = 40) -> str:
        files = [self.console_log, *sorted(self.paths.logs.glob("*.log"))]
        parts = []
        for path in files:
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail_lines:]
                parts.append(f"----- {path.name} -----\n" + "\n".join(lines))
        return "\n".join(parts)


def processes_mentioning(path: Path) -> dict[int, str]:
    """Live processes whose command line or environment mentions ``path`` (pid → command)."""
    needle = str(path).encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if state != "Z" and (needle in command or needle in environ):
            found[int(entry.name)] = command.replace(b"\0", b" ").decode(errors="replace")
    return found
