"""A stop signal that arrives before the agent has connected still shuts it down cleanly."""

from __future__ import annotations

from cheatcode_agent.config import Settings
from cheatcode_agent.entrypoint.bootstrap import build
from cheatcode_runtime.nats import NatsSettings


async def test_shutdown_hooks_run_before_the_service_connected() -> None:
    # Nothing listens on port 1: the host is built but never connects.
    host = build(Settings(instance_id="early-stop", nats=NatsSettings(url="nats://127.0.0.1:1")))
    await host.app.stop()  # raised "run worker is not ready" before
