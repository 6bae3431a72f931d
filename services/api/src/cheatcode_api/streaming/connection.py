"""The hub's own NATS connection: a leaner header parser and raw subscriptions.

Run-output traffic gets a connection of its own so that a burst of frames never delays
command replies on the API's main connection. Two measured costs of nats-py are cut here
(benchmarks/bench_streaming.py; tests/unit/api/streaming/test_connection.py pins both
against the pinned nats-py):

- its header parser checks every character for whitespace (~20 µs a message): replaced by
  a byte-level split giving the same dict;
- each delivery becomes a ``Msg`` with parsed headers, queued to a per-subscription task:
  a *raw* subscription instead hands ``(subject, reply, data, raw headers)`` to a function
  right from the protocol parser. Replaying 1,000 stored frames takes ~6 ms this way
  against ~12 ms through an ordered consumer.
"""

from __future__ import annotations

from collections.abc import Callable

from nats.aio.client import Client

from cheatcode_runtime.nats import NatsSettings

RawHandler = Callable[[bytes, bytes, bytes, bytes | None], None]  # (subject, reply, payload, raw header block)


class StreamingNatsClient(Client):
    def __init__(self) -> None:
        super().__init__()
        self._raw_handlers: dict[int, RawHandler] = {}

    @staticmethod
    def _parse_header_lines(raw: bytes) -> dict[str, str]:
        out: dict[str, str] = {}
        for line in raw.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if not sep:
                continue
            key = name.strip()
            if not key or not key.isascii() or len(key.split()) != 1:
                continue  # header names are tokens: no whitespace, ASCII only
            out[key.decode("ascii")] = value.strip().decode("utf-8", "replace")
        return out

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
    await client.connect(
        servers=settings.servers,
        name=name,
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else None,
        connect_timeout=settings.connect_timeout,  # type: ignore[arg-type]  # nats-py's hint is too narrow
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,  # type: ignore[arg-type]
        allow_reconnect=True,
    )
    return client
