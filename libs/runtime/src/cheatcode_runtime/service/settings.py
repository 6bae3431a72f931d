"""Settings every service shares; a service's own ``Settings`` subclasses these."""

from __future__ import annotations

import os
import socket

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cheatcode_runtime.nats import NatsSettings


def default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    """``CHEATCODE_INSTANCE_ID`` plus the ``CHEATCODE_NATS_*`` connection settings."""

    model_config = SettingsConfigDict(env_prefix="CHEATCODE_", extra="ignore")

    instance_id: str = Field(default_factory=default_instance_id)
    # Read from its own CHEATCODE_NATS_* variables when the service settings are built.
    nats: NatsSettings = Field(default_factory=NatsSettings)
    # Prometheus /metrics on a port of its own (0 = a free one, logged); unset = not served.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
