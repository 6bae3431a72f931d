"""The integrations service's settings, one block per feature (see the README's configuration table).

The service hosts several independent features; each keeps its variables in its own
``BaseSettings`` block below (own env prefix, own defaults) and adds one field to
:class:`Settings`. Shared settings (instance id, NATS, the event store) sit on ``Settings``.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
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


class VercelSettings(BaseSettings):
    """Vercel deployments: ``VERCEL_*`` (the original's names). Without a token deploys answer 503."""

    model_config = SettingsConfigDict(env_prefix="VERCEL_", extra="ignore")

    bearer_token: SecretStr | None = None
    team_id: str | None = None
    # Host root only: the client adds /v9, /v10, /v13 (the local double is one URL away).
    api_url: str = "https://api.vercel.com"
    timeout_seconds: float = 30.0
    upload_timeout_seconds: float = 300.0
    retries: int = 3  # on 429 / 5xx / connection errors, with exponential backoff

    @property
    def token(self) -> str | None:
        value = self.bearer_token.get_secret_value() if self.bearer_token else ""
        return value or None


class DeploymentWorkflowSettings(BaseSettings):
    """The deployment worker: ``CHEATCODE_DEPLOY_*``."""

    model_config = SettingsConfigDict(env_prefix="CHEATCODE_DEPLOY_", extra="ignore")

    debounce_seconds: float = Field(default=10.0, ge=0)
    poll_seconds: float = Field(default=2.0, gt=0)
    follow_timeout_seconds: float = Field(default=900.0, gt=0)
    max_attempts: int = Field(default=4, ge=1)
    retry_backoff_seconds: tuple[float, ...] = (5.0, 20.0, 60.0)
    # A worker that stops heartbeating for this long has its deployment taken over by another.
    ack_wait_seconds: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=5, ge=1)  # deployments running at once per replica
    lease_seconds: float = Field(default=60.0, gt=0)
    durable: str = "integrations-deployments"
    lease_bucket: str = "deployment_leases"


class SmtpSettings(BaseSettings):
    """Outgoing mail: ``CHEATCODE_SMTP_*``. ``make up`` points these at its local mail sink when unset."""

    model_config = SettingsConfigDict(env_prefix="CHEATCODE_SMTP_", extra="ignore")

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool | None = None  # None: upgrade when the server offers STARTTLS
    use_tls: bool = False  # implicit TLS (port 465)
    timeout_seconds: float = 30.0


class EmailSettings(BaseSettings):
    """The email outbox: ``CHEATCODE_EMAIL_*``."""

    model_config = SettingsConfigDict(env_prefix="CHEATCODE_EMAIL_", extra="ignore")

    sender: str = Field(default="hello@cheatcode.ai", validation_alias=AliasChoices("CHEATCODE_EMAIL_FROM"))
    sender_name: str = Field(default="CheatCode AI Team", validation_alias=AliasChoices("CHEATCODE_EMAIL_FROM_NAME"))
    welcome_delay_seconds: float = Field(default=3600.0, ge=0)  # after a subscription starts
    max_attempts: int = Field(default=5, ge=1)
    retry_backoff_seconds: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0)
    ack_wait_seconds: float = Field(default=60.0, gt=0)
    outbox_durable: str = "integrations-email-outbox"
    welcome_durable: str = "integrations-welcome"


class Settings(ServiceSettings):
    """``CHEATCODE_*`` variables, plus one settings block per feature."""

    # --- shared by every feature ---
    events_stream: str = "EVENTS"
    event_store_timeout: float = 5.0
    # CHEATCODE_ENCRYPTION_KEY: master keys of the secrets box (newest first), see cheatcode_runtime.secrets.
    encryption_key: SecretStr | None = None

    # --- Composio profiles and MCP (issue 10) ---
    composio: ComposioSettings = Field(default_factory=ComposioSettings)

    # --- Vercel deployments (issue 11) ---
    vercel: VercelSettings = Field(default_factory=VercelSettings)
    deploy: DeploymentWorkflowSettings = Field(default_factory=DeploymentWorkflowSettings)

    # --- Email outbox (issue 11) ---
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)

    # --- Maintenance tasks (issue 11): our own scheduler unless Inngest drives them ---
    # None: on unless INNGEST_DEV or INNGEST_SIGNING_KEY is set (then /api/inngest triggers them).
    maintenance_scheduler: bool | None = None
