"""Streams and KV buckets the contracts declare, created or updated (``cheatcode up``, ``cheatcode provision``)."""

from __future__ import annotations

import asyncio
import logging

from nats.aio.client import Client
from nats.errors import Error as NatsError

from cheatcode_contracts.streams import ALL_KEY_VALUE_BUCKETS, ALL_STREAMS
from cheatcode_runtime.nats import ensure_key_value_buckets, ensure_streams

log = logging.getLogger("cheatcode.up")


async def provision(client: Client, *, replicas: int, retry_for: float = 30.0) -> None:
    """Idempotent, at ``replicas`` (the cluster's size). A cluster that just started answers
    503 until it has elected a meta leader, so failures are retried for ``retry_for`` seconds."""
    js = client.jetstream()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + retry_for
    while True:
        try:
            await ensure_streams(js, ALL_STREAMS, replicas=replicas)
            await ensure_key_value_buckets(js, ALL_KEY_VALUE_BUCKETS, replicas=replicas)
            return
        except (NatsError, TimeoutError) as error:
            if loop.time() > deadline:
                raise
            log.info("nats: JetStream not ready yet (%r); retrying", error)
            await asyncio.sleep(0.5)
