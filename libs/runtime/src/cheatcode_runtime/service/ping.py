"""The liveness ping every service answers on ``cc.ping.<service>``."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsBroker, NatsMessage

from cheatcode_contracts.health import Ping, Pong
from cheatcode_contracts.subjects import ping_subject


async def empty_body_as_object(message: NatsMessage, decode: Callable[[NatsMessage], Awaitable[Any]]) -> Any:
    """``nats req cc.ping.x ''`` sends no body at all: read it as ``{}``."""
    if not message.body:
        return {}
    return await decode(message)


def register_ping(broker: NatsBroker, *, service: str, instance_id: str) -> None:
    """Answer ``Ping`` with this instance's ``Pong``; one instance of the queue group replies."""
    started = time.monotonic()

    @broker.subscriber(
        ping_subject(service),
        queue=f"{service}.ping",
        decoder=empty_body_as_object,
        title=f"{service}.ping",
        description=f"Liveness of the {service} service",
    )
    async def pong(ping: Ping) -> Pong:
        return Pong(service=service, instance_id=instance_id, uptime_seconds=time.monotonic() - started)
