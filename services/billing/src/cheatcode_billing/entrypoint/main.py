"""``python -m cheatcode_billing``: run the service until SIGTERM/SIGINT."""

from __future__ import annotations

from cheatcode_billing.config import Settings
from cheatcode_billing.entrypoint.bootstrap import build
from cheatcode_runtime.service import run


def main() -> int:
    return run(build(Settings()).app)
