"""``billing_accounts`` and ``billing_usage`` from the account events.

Every value comes from the event (no clock), and each account update is guarded by the
event's stream position, so a replay from an older checkpoint changes nothing and a rebuild
from zero gives the same rows. ``billing_usage`` has one row per charged call.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import timedelta
from typing import Any

import asyncpg

from cheatcode_api.adapters.postgres.bulk import InsertNew
from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_contracts.billing import (
    AccountOpened,
    ByokKeyRemoved,
    ByokKeyStored,
    PlanChanged,
    QuotaReset,
    SubscriptionRecorded,
    TokensCharged,
)
from cheatcode_contracts.plans import PLANS, QUOTA_PERIOD_DAYS
from cheatcode_runtime.eventstore import StoredEvent

# SQL and its arguments (the shape of the runner's batched fast path).
Statement = tuple[str, tuple[Any, ...]]
FREE = PLANS["free"]
PERIOD = timedelta(days=QUOTA_PERIOD_DAYS)

UPSERT_QUOTA = """
INSERT INTO billing_accounts
    (user_id, plan_id, quota_total, quota_remaining, resets_at, opened_at, updated_at, position)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
ON CONFLICT (user_id) DO UPDATE SET plan_id = $2, quota_total = $3, quota_remaining = $4, resets_at = $5,
    updated_at = $6, position = $7
WHERE billing_accounts.position < $7
"""
_NEWER = "user_id = $1 AND position < $2"
SET_REMAINING = f"UPDATE billing_accounts SET quota_remaining = $3, updated_at = $4, position = $2 WHERE {_NEWER}"
SET_SUBSCRIPTION = f"""
UPDATE billing_accounts SET subscription_provider = $3, subscription_id = $4, subscription_status = $5,
    subscription_product_id = $6, subscription_period_start = $7, subscription_period_end = $8, updated_at = $9,
    position = $2
WHERE {_NEWER}
"""
SET_BYOK = f"""
UPDATE billing_accounts SET byok_key_id = $3, byok_display_name = $4, byok_created_at = $5, updated_at = $6,
    position = $2
WHERE {_NEWER}
"""
CLEAR_BYOK = f"""
UPDATE billing_accounts SET byok_key_id = NULL, byok_display_name = NULL, byok_created_at = NULL, updated_at = $4,
    position = $2
WHERE {_NEWER} AND byok_key_id = $3
"""
INSERT_DEFAULT = """
INSERT INTO billing_accounts
    (user_id, plan_id, quota_total, quota_remaining, resets_at, opened_at, updated_at, position)
VALUES ($1, 'free', $2, $2, $3, $4, $4, 0)
ON CONFLICT (user_id) DO NOTHING
"""
USAGE_COLUMNS = ("run_id", "call_index", "user_id", "thread_id", "project_id", "model", "prompt_tokens",
                 "completion_tokens", "total_tokens", "charged_tokens", "balance_after", "estimated_cost", "byok",
                 "used_at", "position")  # fmt: skip
NEW_USAGE = InsertNew("billing_usage", USAGE_COLUMNS, key={"run_id": "text", "call_index": "integer"})
INSERT_USAGE = NEW_USAGE.sql


class BillingProjection(Projection):
    name = "billing"
    handles = frozenset(
        {
            AccountOpened.type_name,
            TokensCharged.type_name,
            PlanChanged.type_name,
            QuotaReset.type_name,
            SubscriptionRecorded.type_name,
            ByokKeyStored.type_name,
            ByokKeyRemoved.type_name,
        }
    )

    def statements(self, stored: StoredEvent) -> list[Statement]:
        event, position = stored.event, stored.position
        at = event.occurred_at
        if isinstance(event, AccountOpened | PlanChanged | QuotaReset):
            quota = (event.user_id, event.plan_id, event.quota_total, event.quota_remaining, event.resets_at, at,
                     position)  # fmt: skip
            return [(UPSERT_QUOTA, quota)]
        if not isinstance(event, TokensCharged | SubscriptionRecorded | ByokKeyStored | ByokKeyRemoved):
            return []
        # Any other event may be an account's first, should a decision not have opened it:
        # the default free row (older than any event) is made first, then changed.
        default: Statement = (INSERT_DEFAULT, (event.user_id, FREE.token_quota, at + PERIOD, at))
        if isinstance(event, TokensCharged):
            usage = (event.run_id, event.call_index, event.user_id, event.thread_id, event.project_id, event.model,
                     event.prompt_tokens, event.completion_tokens, event.total_tokens, event.charged_tokens,
                     event.balance_after, event.estimated_cost_usd, event.byok, event.used_at, position)  # fmt: skip
            return [default, (INSERT_USAGE, usage), (SET_REMAINING, (event.user_id, position, event.balance_after, at))]
        if isinstance(event, SubscriptionRecorded):
            subscription = (event.user_id, position, event.provider, event.subscription_id, event.status,
                            event.product_id, event.current_period_start, event.current_period_end, at)  # fmt: skip
            return [default, (SET_SUBSCRIPTION, subscription)]
        if isinstance(event, ByokKeyStored):
            return [default, (SET_BYOK, (event.user_id, position, event.key_id, event.display_name, at, at))]
        return [default, (CLEAR_BYOK, (event.user_id, position, event.key_id, at))]

    # Compaction: the default account row is made once per batch (nothing deletes accounts), and
    # of consecutive balance updates of one account (guarded by position, applied in stream
    # order) only the last has an effect.
    once = frozenset({INSERT_DEFAULT})
    combine = {SET_REMAINING: lambda earlier, later: later}
    bulk = {INSERT_USAGE: NEW_USAGE}

    def statement_key(self, sql: str, args: tuple[Any, ...]) -> Hashable:
        if sql == INSERT_USAGE:
            return ("billing_usage", args[0], args[1])
        return ("billing_accounts", args[0])

    async def apply(self, conn: asyncpg.Connection, stored: StoredEvent) -> None:
        """The same statements one by one (for a runner without the batched path)."""
        for sql, args in self.statements(stored):
            await conn.execute(sql, *args)
