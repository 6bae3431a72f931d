"""The API answers ``cc.ping.api`` like every other service (uniform liveness over NATS)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from nats.aio.client import Client
from nats.aio.msg import Msg

from cheatcode_contracts.health import Pong
from cheatcode_contracts.subjects import ping_subject

SERVICE = "api"


async def answer_pings(nc: Client, instance_id: str) -> None:
    """Run as a task: reply with this instance's ``Pong`` until cancelled (one replica per ping)."""
    started = time.monotonic()

    async def pong(msg: Msg) -> None:
        if msg.reply:
            body = Pong(service=SERVICE, instance_id=instance_id, uptime_seconds=time.monotonic() - started)
            await msg.respond(body.model_dump_json().encode())

    sub = await nc.subscribe(ping_subject(SERVICE), queue=f"{SERVICE}.ping", cb=pong)
    try:
        await asyncio.Future()  # until cancelled
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
