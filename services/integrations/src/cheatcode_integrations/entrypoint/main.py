"""``python -m cheatcode_integrations``: run the service until SIGTERM/SIGINT."""

from __future__ import annotations

from cheatcode_integrations.config import Settings
from cheatcode_integrations.entrypoint.bootstrap import build
from cheatcode_runtime.service import run


def main() -> int:
    return run(build(Settings()).app)
