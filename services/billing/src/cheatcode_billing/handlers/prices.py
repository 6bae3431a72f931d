"""The model price cache commands (the admin ``openrouter-cache`` routes)."""

from __future__ import annotations

import logging

from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_contracts import CommandReply
from cheatcode_contracts.billing import ClearPriceCache, GetPriceCache, PriceCacheReport, WarmPriceCache, reply_result

logger = logging.getLogger("cheatcode.billing.prices")


async def _report(
    deps: BillingDeps, *, success: bool = True, message: str = "", error: str | None = None
) -> CommandReply:
    state = await deps.prices.state()
    report = PriceCacheReport(success=success, message=message, cached=state.cached, model_count=state.model_count,
                              ttl_seconds=round(state.ttl_seconds, 1), error=error)  # fmt: skip
    return CommandReply.success(0, **reply_result(report))


async def price_cache_info(command: GetPriceCache, deps: BillingDeps) -> CommandReply:
    return await _report(deps)


async def warm_price_cache(command: WarmPriceCache, deps: BillingDeps) -> CommandReply:
    try:
        count = await deps.prices.warm()
    except Exception as error:  # the provider down or answering garbage: soft failure, as the original
        logger.warning("warming the price cache failed: %r", error)
        detail = str(error) or repr(error)
        return await _report(deps, success=False, message="Failed to warm OpenRouter cache", error=detail)
    return await _report(deps, message=f"OpenRouter cache warmed with {count} models")


async def clear_price_cache(command: ClearPriceCache, deps: BillingDeps) -> CommandReply:
    had = await deps.prices.clear()
    message = "OpenRouter cache cleared" if had else "Cache was already empty or not found"
    return await _report(deps, message=message)
