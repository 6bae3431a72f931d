"""A nats-server a test may kill -9 and start again on the same port and store directory."""

from __future__ import annotations

import asyncio
import time

from cheatcode_infra.nats_server import NatsServer


async def kill_and_restart(server: NatsServer, *, down_for: float = 0.3) -> float:
    """``kill -9`` the server, wait ``down_for`` seconds, start it again; the outage in seconds.

    Same port and store: clients reconnect to it and JetStream finds its streams and
    consumers again (file storage), as after a supervised restart.
    """
    assert server.process is not None
    began = time.monotonic()
    server.process.kill()
    await asyncio.to_thread(server.process.wait)
    await asyncio.sleep(down_for)
    await asyncio.to_thread(server.start)
    return time.monotonic() - began
