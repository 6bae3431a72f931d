"""Billing's model price cache: the table of per-model prices billing charges by.

Fetched from OpenRouter's catalog (6 h life), with a built-in table answering until the first
fetch. Answered by services/billing (handlers/prices.py); :mod:`cheatcode_contracts.billing`
re-exports these with the account contracts.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from cheatcode_contracts.base import Command


class PriceCacheReport(BaseModel):
    """Billing's model price table (fetched from OpenRouter's catalog, 6 h life)."""

    model_config = ConfigDict(frozen=True)

    success: bool = True
    message: str = ""
    cached: bool
    model_count: int
    ttl_seconds: float
    error: str | None = None


class GetPriceCache(Command):
    """Reply: :class:`PriceCacheReport` (what the billing replica that answers holds)."""

    type_name: ClassVar[str] = "account.prices.info"


class WarmPriceCache(Command):
    """Fetch the model prices now. Reply: :class:`PriceCacheReport`, ``success`` False on failure."""

    type_name: ClassVar[str] = "account.prices.warm"

    def reply_timeout(self, default: float) -> float:
        return max(default, 20.0)  # an HTTP fetch of the provider's catalog


class ClearPriceCache(Command):
    """Forget the fetched prices (the built-in table answers until the next fetch)."""

    type_name: ClassVar[str] = "account.prices.clear"


PRICE_REPLIES: dict[type[Command], type[BaseModel]] = {
    GetPriceCache: PriceCacheReport,
    WarmPriceCache: PriceCacheReport,
    ClearPriceCache: PriceCacheReport,
}
