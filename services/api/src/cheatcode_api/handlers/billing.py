"""Billing reads and admin actions (reference §12.3, §12.6).

Reads come from the billing read models; the admin quota reset and the price cache go to the
billing service as commands (the reset waits for its read model: read-your-writes).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cheatcode_api.domain import billing as shapes
from cheatcode_api.handlers.deps import HandlerDeps
from cheatcode_api.ports.billing import BillingReads
from cheatcode_api.ports.commands import CommandBus, CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import Command
from cheatcode_contracts.billing import (
    ClearPriceCache,
    GetPriceCache,
    PriceCacheReport,
    QuotaResetReport,
    ResetQuotas,
    WarmPriceCache,
)

PROJECTION = "billing"
MAX_USAGE_ENTRIES = 10_000
MAX_DAYS = 3650
MAX_ADMIN_ACCOUNTS = 100_000
PRICE_CACHE_KEY = "openrouter:models:pricing"


async def status(reads: BillingReads, user_id: str, now: datetime) -> dict[str, Any]:
    row = await reads.account(user_id)
    used = await reads.deployments_used(user_id)
    return shapes.status_body(row, user_id, now, deployments_used=used)


async def usage_history(reads: BillingReads, user_id: str, days: int, now: datetime) -> dict[str, Any]:
    since = now - timedelta(days=min(max(days, 0), MAX_DAYS))
    rows = await reads.usage_since(user_id, since, MAX_USAGE_ENTRIES)
    return shapes.usage_history_body(user_id, rows)


async def plans(reads: BillingReads, user_id: str) -> dict[str, Any]:
    return shapes.plans_body(await reads.account(user_id))


async def reset_quotas(deps: HandlerDeps) -> dict[str, Any]:
    reply = await deps.commands.send(ResetQuotas())
    await deps.waiter.wait_for(PROJECTION, reply.position)
    report = QuotaResetReport.model_validate(reply.result)
    details = [entry.model_dump(mode="json") for entry in report.reset_details]
    if not report.reset_count:
        return {"success": True, "message": "No accounts needed quota reset", "reset_details": []}
    return {"success": True, "message": f"Quota reset completed for {report.reset_count} accounts",
            "reset_details": details}  # fmt: skip


async def quota_status(reads: BillingReads, now: datetime) -> dict[str, Any]:
    rows = await reads.all_accounts(MAX_ADMIN_ACCOUNTS)
    return {"success": True, "quota_status": [shapes.quota_status_entry(row, now) for row in rows],
            "total_users": len(rows)}  # fmt: skip


async def _price_cache(commands: CommandBus, command: Command) -> PriceCacheReport | str:
    """The billing replica's report, or why there is none (these routes fail softly, status 200)."""
    try:
        return await commands.ask(command, PriceCacheReport)
    except CommandBusUnavailableError as error:
        return f"billing service unavailable: {error.reason}"
    except CommandRejectedError as error:
        return error.detail


async def price_cache_info(commands: CommandBus) -> dict[str, Any]:
    report = await _price_cache(commands, GetPriceCache())
    if isinstance(report, str):
        return {"cached": False, "model_count": 0, "ttl_seconds": 0, "ttl_hours": 0.0, "cache_key": PRICE_CACHE_KEY,
                "error": report}  # fmt: skip
    return {"cached": report.cached, "model_count": report.model_count, "ttl_seconds": int(report.ttl_seconds),
            "ttl_hours": round(report.ttl_seconds / 3600, 2), "cache_key": PRICE_CACHE_KEY}  # fmt: skip


async def warm_price_cache(commands: CommandBus) -> dict[str, Any]:
    return _soft(await _price_cache(commands, WarmPriceCache()), "Failed to warm OpenRouter cache")


async def clear_price_cache(commands: CommandBus) -> dict[str, Any]:
    return _soft(await _price_cache(commands, ClearPriceCache()), "Failed to clear OpenRouter cache")


def _soft(report: PriceCacheReport | str, failure: str) -> dict[str, Any]:
    if isinstance(report, str):
        return {"success": False, "message": failure, "error": report}
    body: dict[str, Any] = {"success": report.success, "message": report.message}
    if report.error:
        body["error"] = report.error
    return body
