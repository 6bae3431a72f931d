"""``/api/billing`` status, subscription, usage history, plans and the five admin routes (§12.3, §12.6).

User routes read the caller's own rows only. Admin routes need the admin key alone
(``X-API-Key`` or ``X-Admin-Api-Key``): 401 without it, 403 when wrong, no user token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cheatcode_api.entrypoint.deps import AdminAccess, ContainerDep, CurrentUser, Deps
from cheatcode_api.handlers import billing
from cheatcode_api.handlers.errors import NotConfiguredError
from cheatcode_api.ports.billing import BillingReads

router = APIRouter(prefix="/billing", tags=["billing"])


async def billing_reads(container: ContainerDep) -> BillingReads:
    if container.billing_reads is None:
        raise NotConfiguredError("Billing read models are not configured on this server")
    return container.billing_reads


Reads = Annotated[BillingReads, Depends(billing_reads)]


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/status")
async def status(user: CurrentUser, reads: Reads) -> dict[str, Any]:
    return await billing.status(reads, user.user_id, _now())


@router.get("/subscription")
async def subscription(user: CurrentUser, reads: Reads) -> dict[str, Any]:
    return await billing.status(reads, user.user_id, _now())


@router.get("/usage-history")
async def usage_history(
    user: CurrentUser, reads: Reads, days: Annotated[int, Query(ge=0, le=billing.MAX_DAYS)] = 30
) -> dict[str, Any]:
    return await billing.usage_history(reads, user.user_id, days, _now())


@router.get("/plans")
async def plans(user: CurrentUser, reads: Reads) -> dict[str, Any]:
    return await billing.plans(reads, user.user_id)


@router.post("/admin/reset-quotas")
async def reset_quotas(_: AdminAccess, deps: Deps) -> dict[str, Any]:
    return await billing.reset_quotas(deps)


@router.get("/admin/quota-status")
async def quota_status(_: AdminAccess, reads: Reads) -> dict[str, Any]:
    return await billing.quota_status(reads, _now())


@router.get("/admin/openrouter-cache/info")
async def price_cache_info(_: AdminAccess, container: ContainerDep) -> dict[str, Any]:
    return await billing.price_cache_info(container.commands)


@router.post("/admin/openrouter-cache/warm")
async def warm_price_cache(_: AdminAccess, container: ContainerDep) -> dict[str, Any]:
    return await billing.warm_price_cache(container.commands)


@router.post("/admin/openrouter-cache/clear")
async def clear_price_cache(_: AdminAccess, container: ContainerDep) -> dict[str, Any]:
    return await billing.clear_price_cache(container.commands)
