"""The hub's own NATS connection.

Run-output traffic gets a connection of its own so that a burst of frames never delays
command replies on the API's main connection. Two measured costs of nats-py are cut on every
service's connection (:class:`~cheatcode_runtime.nats.LeanHeaderClient`;
benchmarks/bench_streaming.py; tests/unit/api/streaming/test_connection.py pins the hook):

- its header parser checks every character for whitespace (~20 µs a message);
- each delivery becomes a ``Msg`` with parsed headers, queued to a per-subscription task:
  a *raw* subscription instead hands ``(subject, reply, data, raw headers)`` to a function
  right from the protocol parser. Replaying 1,000 stored frames takes ~6 ms this way
  against ~12 ms through an ordered consumer.
"""

from __future__ import annotations

from cheatcode_runtime.nats import LeanHeaderClient, NatsSettings, RawHandler, connect

__all__ = ["RawHandler", "StreamingNatsClient", "connect_streaming"]


class StreamingNatsClient(LeanHeaderClient):
    """The run-stream hub's connection (raw subscriptions are every connection's)."""


async def connect_streaming(settings: NatsSettings, *, name: str) -> StreamingNatsClient:
    """Same options as :func:`cheatcode_runtime.nats.connect`: reconnect forever once connected."""
    client = StreamingNatsClient()
    await connect(settings, name=name, client=client)
    return client
