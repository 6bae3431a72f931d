"""The hub's own NATS connection: raw subscriptions beside the lean header parser.

Run-output traffic gets a connection of its own so that a burst of frames never delays
command replies on the API's main connection. Two measured costs of nats-py are cut here
(benchmarks/bench_streaming.py; tests/unit/api/streaming/test_connection.py pins the hook):

- its header parser checks every character for whitespace (~20 µs a message): every
  service's connection already replaces it (:class:`~cheatcode_runtime.nats.LeanHeaderClient`);
- each delivery becomes a ``Msg`` with parsed headers, queued to a per-subscription task:
  a *raw* subscription instead hands ``(subject, reply, data, raw headers)`` to a function
  right from the protocol parser. Replaying 1,000 stored frames takes ~6 ms this way
  against ~12 ms through an ordered consumer.
"""

from __future__ import annotations

from collections.abc import Callable

from cheatcode_runtime.nats import LeanHeaderClient, NatsSettings, connect

RawHandler = Callable[[bytes, bytes, bytes, bytes | None], None]  # (subject, reply, payload, raw header block)


class StreamingNatsClient(LeanHeaderClient):
    def __init__(self) -> None:
        super().__init__()
        self._raw_handlers: dict[int, RawHandler] = {}

    async def subscribe_raw(self, subject: str, handler: RawHandler) -> int:
        """Subscribe ``handler`` (synchronous, must not raise) to ``subject``; returns the sid."""
        sub = await self.subscribe(subject)
        self._raw_handlers[sub._id] = handler
        return int(sub._id)

    async def unsubscribe_raw(self, sid: int) -> None:
        self._raw_handlers.pop(sid, None)
        sub = self._subs.get(sid)
        if sub is not None:
            await sub.unsubscribe()

    async def _process_msg(self, sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes) -> None:
        handler = self._raw_handlers.get(sid)
        if handler is None:
            await super()._process_msg(sid, subject, reply, data, headers)
        else:
            handler(subject, reply, data, headers)


async def connect_streaming(settings: NatsSettings, *, name: str) -> StreamingNatsClient:
    """Same options as :func:`cheatcode_runtime.nats.connect`: reconnect forever once connected."""
    client = StreamingNatsClient()
    await connect(settings, name=name, client=client)
    return client
