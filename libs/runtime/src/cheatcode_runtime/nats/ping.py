"""The one liveness responder: answers ``Ping`` requests on a subject with this instance's ``Pong``.

Every process answers on ``cc.ping.<service>`` (queue group, one reply per ping); a sandbox
replica also answers on its own host subject so that others can tell whether it is alive.
"""

from __future__ import annotations

import time

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from cheatcode_contracts.health import Pong
from cheatcode_contracts.subjects import ping_subject


async def answer_pings(
    client: Client, *, service: str, instance_id: str, subject: str | None = None, queue: str | None = None
) -> Subscription:
    """Subscribe and answer until the subscription (or the connection) is closed.

    Without ``subject`` this is the service's shared ping (queue group ``<service>.ping``).
    """
    started = time.monotonic()

    async def respond(msg: Msg) -> None:
        if msg.reply:
            pong = Pong(service=service, instance_id=instance_id, uptime_seconds=time.monotonic() - started)
            await client.publish(msg.reply, pong.model_dump_json().encode())

    if subject is None:
        subject, queue = ping_subject(service), queue or f"{service}.ping"
    return await client.subscribe(subject, queue=queue or "", cb=respond)
