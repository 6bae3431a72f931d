"""The sandbox service's settings: ``CHEATCODE_*`` variables (see the README's configuration table)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from cheatcode_runtime.service import ServiceSettings


def default_root() -> Path:
    return Path(os.environ.get("CHEATCODE_HOME", ".cheatcode")).resolve() / "sandboxes"


class Settings(ServiceSettings):
    sandbox_root: Path = Field(default_factory=default_root)
    sandbox_allow_unsafe: bool = False
    sandbox_disk_cap_bytes: int = 2 * 1024**3
    sandbox_memory_bytes: int = 4 * 1024**3
    sandbox_processes: int = 512
    sandbox_file_bytes: int = 512 * 1024**2
    sandbox_session_cpu_seconds: int = 8 * 3600
    # The preview gateway: where this replica listens, and the address other processes use for it.
    sandbox_preview_host: str = "127.0.0.1"
    sandbox_preview_port: int = 0
    sandbox_preview_advertise_host: str | None = None
    # How often each replica pings the hosts of running sandboxes (0: only when a sandbox is used).
    sandbox_host_sweep_seconds: float = 5.0
    # A sandbox unused this long is stopped by the next CleanAbandonedSandboxes (the original's
    # Daytona auto-stop: 15 minutes); its workspace stays.
    sandbox_idle_seconds: float = Field(default=900.0, gt=0)
    events_stream: str = "EVENTS"
    event_store_timeout: float = 5.0
