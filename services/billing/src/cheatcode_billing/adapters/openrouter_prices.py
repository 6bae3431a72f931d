"""Model prices from OpenRouter's public catalog (``GET {CHEATCODE_OPENROUTER_URL}/models``).

The table is fetched at start and every ``ttl`` (6 h, as the original's
``openrouter:models:pricing`` cache) by :meth:`refresh_forever`, kept in this process, and
read without any I/O on the charge path. Until a fetch succeeds (or after ``clear``), a small
built-in table of the usual models answers. No key is needed: the catalog is public.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from cheatcode_billing.ports.prices import ModelPrices, Price, PriceCacheState

logger = logging.getLogger("cheatcode.billing.prices")

# USD per token, from OpenRouter's list prices (per 1K in the API's built-in catalog / 1000).
BUILT_IN: dict[str, Price] = {
    "x-ai/grok-4.1-fast": Price(0.2e-6, 0.5e-6),
    "x-ai/grok-code-fast-1": Price(0.2e-6, 1.5e-6),
    "anthropic/claude-sonnet-4.5": Price(3e-6, 15e-6),
    "anthropic/claude-opus-4.5": Price(5e-6, 25e-6),
    "google/gemini-3-pro-preview": Price(2e-6, 12e-6),
    "google/gemini-2.5-pro": Price(1.25e-6, 10e-6),
    "z-ai/glm-4.6": Price(0.6e-6, 2.2e-6),
    "moonshotai/kimi-k2": Price(0.6e-6, 2.5e-6),
}


def parse_catalog(payload: Any) -> dict[str, Price]:
    """OpenRouter's ``{"data": [{"id", "pricing": {"prompt", "completion"}}]}`` → prices by id."""
    table: dict[str, Price] = {}
    for raw in payload.get("data", []) if isinstance(payload, dict) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        pricing = raw.get("pricing") or {}
        try:
            table[raw["id"]] = Price(float(pricing.get("prompt") or 0), float(pricing.get("completion") or 0))
        except (TypeError, ValueError):
            continue
    return table


def lookup(table: dict[str, Price], model: str) -> Price | None:
    """By full id (``provider/model``, an ``openrouter/`` prefix dropped), else by the short id."""
    name = model.strip().lower().removeprefix("openrouter/")
    if name in table:
        return table[name]
    short = name.rsplit("/", 1)[-1]
    for full_id, price in table.items():
        if full_id.rsplit("/", 1)[-1] == short:
            return price
    return None


class OpenRouterPrices(ModelPrices):
    def __init__(self, base_url: str, *, ttl: float = 6 * 3600.0, timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._ttl = ttl
        self._timeout = timeout
        self._table: dict[str, Price] = {}
        self._fetched_at: float | None = None

    async def price(self, model: str) -> Price | None:
        fresh = self._fetched_at is not None and time.monotonic() - self._fetched_at < self._ttl
        return (lookup(self._table, model) if fresh else None) or lookup(BUILT_IN, model)

    async def state(self) -> PriceCacheState:
        if self._fetched_at is None:
            return PriceCacheState(cached=False, model_count=0, ttl_seconds=0.0)
        left = max(self._ttl - (time.monotonic() - self._fetched_at), 0.0)
        return PriceCacheState(cached=left > 0, model_count=len(self._table) if left > 0 else 0, ttl_seconds=left)

    async def warm(self) -> int:
        async with httpx.AsyncClient(timeout=self._timeout) as http:
            response = await http.get(f"{self._base_url}/models")
            response.raise_for_status()
            table = parse_catalog(response.json())
        if not table:
            raise ValueError("OpenRouter listed no priced model")
        self._table, self._fetched_at = table, time.monotonic()
        return len(table)

    async def clear(self) -> bool:
        had = self._fetched_at is not None
        self._table, self._fetched_at = {}, None
        return had

    async def refresh_forever(self, *, retry: float = 1800.0) -> None:
        """Warm now and again every ``ttl``; a failed fetch is retried after ``retry`` seconds."""
        while True:
            try:
                count = await self.warm()
                logger.info("priced %d models from %s", count, self._base_url)
                await asyncio.sleep(self._ttl)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # network, JSON: the built-in table keeps answering
                logger.warning("model prices unavailable from %s: %r", self._base_url, error)
                await asyncio.sleep(retry)
