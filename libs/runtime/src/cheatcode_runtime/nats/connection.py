"""Connecting to NATS with a service's own credentials."""

from __future__ import annotations

import nats
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


async def connect(settings: NatsSettings, *, name: str) -> Client:
    """Connect, reconnecting forever once connected (a service outlives NATS restarts)."""
    return await nats.connect(
        servers=settings.servers,
        name=name,
        user=settings.user,
        password=settings.password.get_secret_value() if settings.password else None,
        connect_timeout=settings.connect_timeout,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        allow_reconnect=True,
    )
