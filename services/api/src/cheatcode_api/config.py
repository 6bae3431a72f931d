"""Settings of the API process, read from ``CHEATCODE_*`` environment variables."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from cheatcode_runtime.service import ServiceSettings


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class Settings(ServiceSettings):
    """Everything the composition root needs; nothing else reads the environment.

    ``instance_id`` and ``nats`` (``CHEATCODE_NATS_*``) come from :class:`ServiceSettings`.
    """

    model_config = SettingsConfigDict(env_prefix="CHEATCODE_", extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    database_schema: str = "cheatcode_api"
    database_pool_size: int = Field(default=10, ge=1)
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=0, le=65535)

    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_authorized_parties: CommaList = Field(default_factory=list)
    jwks_refresh_interval: float = Field(default=30.0, ge=0)  # min seconds between refetches for an unknown kid
    jwks_cache_ttl: float = Field(default=3600.0, gt=0)

    admin_api_key: SecretStr | None = None
    cors_origins: CommaList = Field(default_factory=lambda: ["http://localhost:3000"])
    hsts: bool = False  # Strict-Transport-Security: only behind TLS in production

    command_timeout: float = Field(default=10.0, gt=0)
    read_your_writes_timeout: float = Field(default=10.0, gt=0)
    projection_batch_size: int = Field(default=500, ge=1)
    projection_standby_interval: float = Field(default=1.0, gt=0)  # how often a standby replica tries to lead
    rebuild_batch_size: int = Field(default=10_000, ge=1)  # events per transaction of a shadow rebuild
    # SIGTERM → exit: open requests (SSE included) get ``shutdown_grace`` seconds, then closing
    # every connection gets ``shutdown_timeout`` seconds in all (each step is abandoned past it).
    shutdown_grace: int = Field(default=3, ge=0)
    shutdown_timeout: float = Field(default=5.0, gt=0)

    # Reference §2.3, counted in NATS KV across replicas. Overrides: rule name -> requests per
    # minute (0 turns a rule off), e.g. CHEATCODE_RATE_LIMITS='{"projects_create": 20}'.
    rate_limits_enabled: bool = True
    rate_limits: dict[str, int] = Field(default_factory=dict)
    # Reference §15: GET /api/feature-flags[/{name}] exist only when this is true (the original's name).
    feature_flags_enabled: bool = Field(
        default=False, validation_alias=AliasChoices("FEATURE_FLAGS_ENABLED", "CHEATCODE_FEATURE_FLAGS_ENABLED")
    )

    @field_validator("jwt_authorized_parties", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_commas(value)
