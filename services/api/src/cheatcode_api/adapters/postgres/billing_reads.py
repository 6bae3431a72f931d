"""Queries over ``billing_accounts`` and ``billing_usage``; every one is scoped to its user."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.domain.billing import AccountRow, UsageRow
from cheatcode_api.ports.billing import BillingReads

ACCOUNT_COLUMNS = (
    "user_id, plan_id, quota_total, quota_remaining, resets_at, subscription_provider, subscription_id,"
    " subscription_status, subscription_product_id, subscription_period_start, subscription_period_end,"
    " byok_key_id, byok_display_name, byok_created_at"
)
USAGE_COLUMNS = (
    "run_id, call_index, user_id, thread_id, project_id, model, prompt_tokens, completion_tokens, total_tokens,"
    " charged_tokens, balance_after, estimated_cost, byok, used_at"
)


class PostgresBillingReads(BillingReads):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def account(self, user_id: str) -> AccountRow | None:
        with database_errors_as_unavailable():
            record = await self._pool.fetchrow(
                f"SELECT {ACCOUNT_COLUMNS} FROM billing_accounts WHERE user_id = $1", user_id
            )
        return None if record is None else AccountRow(**dict(record))

    async def usage_since(self, user_id: str, since: datetime, limit: int) -> list[UsageRow]:
        with database_errors_as_unavailable():
            records = await self._pool.fetch(
                f"SELECT {USAGE_COLUMNS} FROM billing_usage WHERE user_id = $1 AND used_at >= $2"
                " ORDER BY used_at DESC, position DESC LIMIT $3",
                user_id,
                since,
                limit,
            )
        return [UsageRow(**dict(record)) for record in records]

    async def all_accounts(self, limit: int) -> list[AccountRow]:
        with database_errors_as_unavailable():
            records = await self._pool.fetch(
                f"SELECT {ACCOUNT_COLUMNS} FROM billing_accounts ORDER BY user_id LIMIT $1", limit
            )
        return [AccountRow(**dict(record)) for record in records]

    async def deployments_used(self, user_id: str) -> int:
        """Projects of the user with a live deployment (``project_deployments``, the deployments
        feature's read model); 0 where that read model does not exist."""
        with database_errors_as_unavailable():
            exists = await self._pool.fetchval("SELECT to_regclass('project_deployments') IS NOT NULL")
            if not exists:
                return 0
            count = await self._pool.fetchval(
                "SELECT count(*) FROM project_deployments WHERE user_id = $1 AND last_deployment_id IS NOT NULL",
                user_id,
            )
        return int(count or 0)
