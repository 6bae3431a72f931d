"""Connecting to NATS with a service's own credentials."""

from __future__ import annotations

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


class LeanHeaderClient(Client):
    """nats-py's client with a cheaper header parser giving the same dict.

    The pinned nats-py checks every character of every header name for whitespace with a
    generator (~20 µs a message, a third of the projection runner's decode cost); a byte-level
    split does the same check (tests/unit/runtime/nats/test_connection.py pins the two
    parsers against each other)."""

    @staticmethod
    def _parse_header_lines(raw: bytes) -> dict[str, str]:
        out: dict[str, str] = {}
        for line in raw.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if not sep:
                continue
            key = name.strip()
            if not key.isascii() or len(key.translate(None, _SPACE)) != len(key):
                continue  # header names are tokens: ASCII, no whitespace (as str.isspace() sees it)
            out[key.decode("ascii")] = value.strip().decode("utf-8", "replace")
        return out


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
