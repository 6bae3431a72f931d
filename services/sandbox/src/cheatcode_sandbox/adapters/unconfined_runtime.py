"""UNSAFE development runtime: sandbox commands run directly on this host, unconfined.

Used only where bubblewrap is missing *and* ``CHEATCODE_SANDBOX_ALLOW_UNSAFE=1`` says so. Commands
run as this service's user with its network, in the workspace directory (so ``/workspace/...``
paths inside commands do not resolve; relative ones do). File operations keep every path check
of the safe runtime, and per-command rlimits apply when ``prlimit`` exists. Never use it with
code you do not trust.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from cheatcode_sandbox.adapters import bwrap_argv
from cheatcode_sandbox.adapters.bwrap_runtime import BwrapRuntime, LocalRuntimeConfig, _Box
from cheatcode_sandbox.domain.paths import InvalidPathError, workspace_parts
from cheatcode_sandbox.ports.runtime import Limits, PathRejectedError

logger = logging.getLogger("cheatcode.sandbox.unsafe")


class UnconfinedRuntime(BwrapRuntime):
    def __init__(self, config: LocalRuntimeConfig) -> None:
        super().__init__(config, confinement=None)
        self.conf = None
        self._prlimit = shutil.which("prlimit")
        logger.warning("UNSAFE sandbox runtime: commands run unconfined on this host (CHEATCODE_SANDBOX_ALLOW_UNSAFE)")

    def check_available(self) -> None:
        """Always available: that is the point, and the danger."""

    async def _create_namespace(self, uid: int, workspace: Path, etc_dir: Path) -> int:
        return -1  # the host's own network: a dev server is reached on 127.0.0.1

    def _argv(self, box: _Box, command: str, cwd: str, limits: Limits) -> list[str]:
        try:
            parts = workspace_parts(cwd, box.spec.app_type)
        except InvalidPathError as error:
            raise PathRejectedError(str(error)) from None
        host_cwd = str(box.workspace.joinpath(*parts))
        limit = [] if self._prlimit is None else bwrap_argv.limits_args(self._confinement_for_limits(), limits)
        return [*limit, "/usr/bin/env", "-C", host_cwd, "/bin/bash", "-c", command]

    def _confinement_for_limits(self) -> bwrap_argv.Confinement:
        assert self._prlimit is not None
        return bwrap_argv.Confinement(bwrap="", setpriv="", nsenter="", prlimit=self._prlimit)

    async def open_port(self, sandbox_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self._box(sandbox_id)
        return await asyncio.open_connection("127.0.0.1", port)
