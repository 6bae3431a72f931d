"""``cheatcode mail-sink``: a local SMTP server (aiosmtpd) that keeps each message as a ``.eml`` file.

``make up`` starts it when no ``CHEATCODE_SMTP_HOST`` is set and points the services at it, so a
newcomer can open what was sent under ``$CHEATCODE_HOME/mail/``. It accepts any sender and
recipient, offers no authentication and never relays anything.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any

NAME = "mail-sink"
HELP = "Run a local SMTP server that stores every message it receives as a .eml file (never relays)."


class EmlStore:
    """aiosmtpd handler: one file per message, written atomically (``<time>-<id>.eml``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.eml"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(data)
        os.replace(partial, self.directory / name)
        return "250 Message accepted for delivery"


def start(directory: Path, host: str, port: int) -> Any:
    """A running aiosmtpd ``Controller`` (its own thread); ``port`` must be a real free port."""
    from aiosmtpd.controller import Controller

    controller = Controller(EmlStore(directory), hostname=host, port=port)
    controller.start()
    return controller


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="an explicit free port (aiosmtpd refuses 0)")
    parser.add_argument("--dir", required=True, help="where the .eml files go")


def run(args: argparse.Namespace) -> int:
    controller = start(Path(args.dir), args.host, args.port)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"mail sink on smtp://{args.host}:{args.port}, storing into {args.dir}", flush=True)
    stop.wait()
    controller.stop()
    return 0


class SinkPlan:
    """How ``make up`` runs the sink: its command line and what the services are told."""

    def __init__(self, argv: list[str], env: dict[str, str], directory: Path) -> None:
        self.argv, self.env, self.directory = argv, env, directory


def plan(environ: dict[str, str], home: Path) -> SinkPlan | None:
    """None when ``CHEATCODE_SMTP_HOST`` is set (explicit settings always win)."""
    import sys

    from cheatcode_infra.free_ports import free_port

    if environ.get("CHEATCODE_SMTP_HOST"):
        return None
    port, directory = free_port(), home / "mail"
    argv = [sys.executable, "-m", "cheatcode_infra", NAME, "--port", str(port), "--dir", str(directory)]
    env = {"CHEATCODE_SMTP_HOST": "127.0.0.1", "CHEATCODE_SMTP_PORT": str(port), "CHEATCODE_SMTP_STARTTLS": "false"}
    return SinkPlan(argv, env, directory)
