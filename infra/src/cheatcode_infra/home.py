"""The stack's data directory (``$CHEATCODE_HOME``, default ``./.cheatcode``) and what lives in it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = ".cheatcode"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``explicit`` wins, then ``$CHEATCODE_HOME``, then ``./.cheatcode``; always absolute."""
    chosen = explicit if explicit is not None else os.environ.get("CHEATCODE_HOME") or DEFAULT_HOME
    return Path(chosen).expanduser().resolve()


@dataclass(frozen=True)
class StackHome:
    root: Path

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def nats(self) -> Path:
        return self.root / "nats"

    @property
    def nats_config(self) -> Path:
        return self.nats / "nats-server.conf"

    @property
    def jetstream(self) -> Path:
        return self.nats / "jetstream"

    @property
    def postgres(self) -> Path:
        return self.root / "postgres"

    @property
    def dev_issuer(self) -> Path:
        return self.root / "dev-issuer"

    @property
    def sandboxes(self) -> Path:
        return self.root / "sandboxes"

    @property
    def state_file(self) -> Path:
        """Endpoints of the running stack (JSON), removed on a clean shutdown."""
        return self.root / "stack.json"

    def log_file(self, process_name: str) -> Path:
        return self.logs / f"{process_name}.log"

    def ensure(self) -> None:
        for directory in (self.root, self.logs, self.nats, self.jetstream, self.dev_issuer, self.sandboxes):
            directory.mkdir(parents=True, exist_ok=True)
        self.secrets.mkdir(parents=True, exist_ok=True)
        self.secrets.chmod(0o700)
