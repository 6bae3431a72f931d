"""Connecting to NATS with a service's own credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from nats.aio.client import Client
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NatsSettings(BaseSettings):
    """``CHEATCODE_NATS_URL`` (one URL, or a cluster's URLs comma-separated), ``CHEATCODE_NATS_USER``,
    ``CHEATCODE_NATS_PASSWORD``."""

    model_config = SettingsConfigDict(env_prefix="CHEATCODE_NATS_", extra="ignore")

    url: str = "nats://127.0.0.1:4222"
    user: str | None = None
    password: SecretStr | None = None
    connect_timeout: float = 5.0

    @property
    def servers(self) -> list[str]:
        """Every server of ``url``: a cluster is given as comma-separated URLs."""
        return [part.strip() for part in self.url.split(",") if part.strip()]


_SPACE = bytes(code for code in range(128) if chr(code).isspace())
RawHandler = Callable[[bytes, bytes, bytes, bytes | None], None]  # (subject, reply, payload, raw header block)


class LeanHeaderClient(Client):
    """nats-py's client with a cheaper header parser giving the same dict.

    The pinned nats-py checks every character of every header name for whitespace with a
    generator (~20 µs a message, a third of the projection runner's decode cost); a byte-level
    split does the same check (tests/unit/runtime/nats/test_connection.py pins the two
    parsers against each other). Short lines repeat from message to message (an event's type
    and version, its actor, a frame's type): their parse is remembered, a dict lookup instead
    of four byte operations and two decodes; ids make longer lines, which are not kept.

    It also offers *raw* subscriptions: each delivery is handed as ``(subject, reply, data,
    raw header block)`` to a function right from the protocol parser, without the ``Msg``,
    the header dict and the per-subscription task of nats-py's path (half of a delivery's
    cost): run-output replay and the read-model rebuild read the log this way."""

    _parsed_lines: ClassVar[dict[bytes, tuple[str, str] | None]] = {}  # line -> (name, value); None: skipped

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

    @classmethod
    def parse_header_block(cls, block: bytes | None) -> dict[str, str] | None:
        """A raw delivery's headers as a dict (None when it has none); a status line is not kept."""
        if not block:
            return None
        _, _, lines = block.partition(b"\r\n")  # "NATS/1.0[ status]"
        return cls._parse_header_lines(lines) or None

    @staticmethod
    def _parse_header_lines(raw: bytes) -> dict[str, str]:
        out: dict[str, str] = {}
        known = LeanHeaderClient._parsed_lines
        for line in raw.split(b"\r\n"):
            parsed = known.get(line, _UNSEEN)
            if parsed is _UNSEEN:
                parsed = _parse_line(line)
                if len(line) <= REMEMBERED_LINE_BYTES:
                    if len(known) >= REMEMBERED_LINES:
                        known.clear()  # rare: more distinct short lines than expected; start again
                    known[line] = parsed
            if parsed is not None:
                out[parsed[0]] = parsed[1]
        return out


REMEMBERED_LINE_BYTES = 48  # "Nats-Msg-Id: <uuid>" (49) and longer lines carry ids
REMEMBERED_LINES = 4096
_UNSEEN: Any = object()


def _parse_line(line: bytes) -> tuple[str, str] | None:
    name, sep, value = line.partition(b":")
    if not sep:
        return None
    key = name.strip()
    if not key.isascii() or len(key.translate(None, _SPACE)) != len(key):
        return None  # header names are tokens: ASCII, no whitespace (as str.isspace() sees it)
    return key.decode("ascii"), value.strip().decode("utf-8", "replace")


async def connect(settings: NatsSettings, *, name: str, client: Client | None = None) -> Client:
    """Connect ``client`` (a new :class:`LeanHeaderClient` by default), reconnecting forever once
    connected (a service outlives NATS restarts)."""
    nc = client if client is not None else LeanHeaderClient()
    await nc.connect(
        servers=settings.servers,
        name=name,
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else None,
        connect_timeout=settings.connect_timeout,  # type: ignore[arg-type]  # nats-py's hint is too narrow
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,  # type: ignore[arg-type]
        allow_reconnect=True,
    )
    return nc
