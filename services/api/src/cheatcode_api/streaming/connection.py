"""The hub's own NATS connection, with a leaner header parser.

Run-output traffic gets a connection of its own so that a burst of frames never delays
command replies on the API's main connection. nats-py parses headers with a per-character
whitespace check that costs ~20 µs per message (measured: more than half the client-side
cost of a JetStream delivery); every frame carries 2-3 headers and a direct get ~9, so
this client overrides that one static parser with a byte-level split giving the same dict
(tests/unit/api/streaming/test_connection.py pins the equivalence for the pinned nats-py).
"""

from __future__ import annotations

from nats.aio.client import Client

from cheatcode_runtime.nats import NatsSettings


class StreamingNatsClient(Client):
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


async def connect_streaming(settings: NatsSettings, *, name: str) -> Client:
    """Same options as :func:`cheatcode_runtime.nats.connect`: reconnect forever once connected."""
    client = StreamingNatsClient()
    await client.connect(
        servers=[settings.url],
        name=name,
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else None,
        connect_timeout=settings.connect_timeout,  # type: ignore[arg-type]  # nats-py's hint is too narrow
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,  # type: ignore[arg-type]
        allow_reconnect=True,
    )
    return client
