"""The integrations service's settings, one block per feature (see the README's configuration table).

The service hosts several independent features; each keeps its variables in its own
``BaseSettings`` block below (own env prefix, own defaults) and adds one field to
:class:`Settings`. Shared settings (instance id, NATS, the event store) sit on ``Settings``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from cheatcode_runtime.service import ServiceSettings


class ComposioSettings(BaseSettings):
    """Composio toolkits, OAuth profiles and MCP servers: ``COMPOSIO_*`` (Composio's own names)."""

    model_config = SettingsConfigDict(env_prefix="COMPOSIO_", extra="ignore")

    api_key: SecretStr | None = None
    # Host root only: the client adds /api/v3/... (a local double is one URL away).
    base_url: str = "https://backend.composio.dev"
    timeout_seconds: float = 20.0
    retries: int = 3  # on 429 / 5xx / connection errors, with exponential backoff
    toolkit_cache_seconds: float = 600.0  # TTL of the toolkit list in the NATS KV cache
    toolkit_cache_bucket: str = "composio_toolkits"

    @property
    def configured(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())


class Settings(ServiceSettings):
    """``CHEATCODE_*`` variables, plus one settings block per feature."""

    # --- shared by every feature ---
    events_stream: str = "EVENTS"
    event_store_timeout: float = 5.0
    # CHEATCODE_ENCRYPTION_KEY: master keys of the secrets box (newest first), see cheatcode_runtime.secrets.
    encryption_key: SecretStr | None = None

    # --- Composio profiles and MCP (issue 10) ---
    composio: ComposioSettings = Field(default_factory=ComposioSettings)
