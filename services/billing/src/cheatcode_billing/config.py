"""The billing service's settings: the common ones plus events, metering and model prices."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from cheatcode_runtime.service import ServiceSettings


class Settings(ServiceSettings):
    """``CHEATCODE_*`` variables; see the configuration table in the README."""

    events_stream: str = "EVENTS"
    event_store_timeout: float = 5.0
    # The durable consumer of cc.evt.llm_usage.* that meters every LLM call.
    metering_durable: str = "billing-usage"
    metering_concurrency: int = Field(default=8, ge=1)
    metering_ack_wait: float = Field(default=30.0, gt=0)
    # Model prices for the estimated cost of each call (OpenRouter's public catalog).
    openrouter_url: str = Field(
        default="https://openrouter.ai/api/v1", validation_alias=AliasChoices("CHEATCODE_OPENROUTER_URL")
    )
    prices_refresh: bool = True  # fetch the catalog at start and every prices_ttl seconds
    prices_ttl: float = 6 * 3600.0
