"""``python -m cheatcode_agent``: run the agent until SIGTERM/SIGINT."""

from __future__ import annotations

from cheatcode_agent.config import Settings
from cheatcode_agent.entrypoint.bootstrap import build
from cheatcode_runtime.service import run


def main() -> int:
    return run(build(Settings()).app)
