"""``python -m cheatcode_sandbox``: run the sandbox service until SIGTERM/SIGINT."""

from __future__ import annotations

from cheatcode_runtime.service import run
from cheatcode_sandbox.config import Settings
from cheatcode_sandbox.entrypoint.bootstrap import build


def main() -> int:
    return run(build(Settings()).host.app)
