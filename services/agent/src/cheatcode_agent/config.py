"""The agent's settings: the common service settings, where its streams are, and its runs.

``CHEATCODE_*`` variables (see the configuration table in the README). Run settings are
``CHEATCODE_RUN_*``; the model provider's variables keep their conventional names (no
``CHEATCODE_`` prefix): ``OPENROUTER_API_KEY`` (wins when set), else ``LLM_BASE_URL`` +
``LLM_API_KEY``.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cheatcode_agent.domain.limits import RunLimits
from cheatcode_runtime.service import ServiceSettings

OPENROUTER_DEFAULT_MODEL = "anthropic/claude-sonnet-4.5"
MOCK_MODEL = "mock-model"


class RunSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHEATCODE_RUN_", extra="ignore", populate_by_name=True)

    openrouter_api_key: str | None = Field(default=None, validation_alias="OPENROUTER_API_KEY")
    llm_base_url: str | None = Field(default=None, validation_alias="LLM_BASE_URL")
    llm_api_key: str | None = Field(default=None, validation_alias="LLM_API_KEY")
    default_model_name: str | None = Field(
        default=None, validation_alias=AliasChoices("CHEATCODE_DEFAULT_MODEL", "CHEATCODE_RUN_DEFAULT_MODEL")
    )
    llm_max_retries: int = 3
    llm_timeout: float = 120.0

    max_iterations: int = 50
    max_duration: float = 1200.0
    tool_timeout: float = 120.0
    max_tool_output: int = 20_000
    max_tokens: int = 8192
    max_context_chars: int = 400_000

    consumer: str = "agent-runs"  # the durable consumer every replica's worker shares
    ack_wait: float = 20.0  # heartbeat timeout: a dead worker's run fails after about this long
    max_concurrent: int = 8
    mcp_connect_timeout: float = 45.0  # per MCP server at run start (reference §14.1)

    @property
    def default_model(self) -> str:
        if self.default_model_name:
            return self.default_model_name
        return OPENROUTER_DEFAULT_MODEL if self.openrouter_api_key else MOCK_MODEL

    def limits(self) -> RunLimits:
        return RunLimits(
            max_iterations=self.max_iterations,
            max_duration=self.max_duration,
            tool_timeout=self.tool_timeout,
            max_tool_output=self.max_tool_output,
            max_tokens=self.max_tokens,
            max_context_chars=self.max_context_chars,
        )


class Settings(ServiceSettings):
    events_stream: str = "EVENTS"
    run_output_stream: str = "RUN_OUTPUT"
    event_store_timeout: float = 5.0  # one request to JetStream
    # How long appends and frame publishes retry through a NATS outage (same Nats-Msg-Id, so
    # never twice) before a run fails: a supervised restart or a leader change fits in it.
    nats_retry_deadline: float = 30.0
    # Read from its own CHEATCODE_RUN_* variables when the settings are built.
    runs: RunSettings = Field(default_factory=RunSettings)
