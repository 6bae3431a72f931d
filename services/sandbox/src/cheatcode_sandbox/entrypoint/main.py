"""``python -m cheatcode_sandbox``: run the sandbox service until SIGTERM/SIGINT."""

from __future__ import annotations

from cheatcode_runtime.service import run
from cheatcode_sandbox.adapters.private_mount import expose_root
from cheatcode_sandbox.config import Settings
from cheatcode_sandbox.entrypoint.bootstrap import build, build_runtime


def main() -> int:
    settings = Settings()
    # Before any thread exists: it may have to move this process into a mount namespace of its own.
    visible = expose_root(settings.sandbox_root)
    runtime = build_runtime(settings, visible_root=None if visible == settings.sandbox_root else visible)
    return run(build(settings, runtime).host.app)
