"""Exact metering: one ``TokensCharged`` per LLM call, whatever the deliveries.

:func:`record_usage` is the use case; the durable consumer of ``cc.evt.llm_usage.*`` drives it
(``entrypoint/metering.py``) and acks only after it returned, so a crash before the append
means a redelivery, and a crash after it means a redelivery that the account refuses
(``domain.account.charge`` returns nothing for a call it has charged already).
"""

from __future__ import annotations

import logging
from typing import Any

from cheatcode_billing.domain import account
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_contracts import Event
from cheatcode_contracts.billing import TokensCharged, usage_key
from cheatcode_contracts.runs import UsageRecorded
from cheatcode_runtime.observability.metrics import BILLING_CHARGES, BILLING_TOKENS

logger = logging.getLogger("cheatcode.billing.metering")


async def record_usage(usage: UsageRecorded, deps: BillingDeps) -> int:
    """Charge ``usage`` to its user's account (once); the account's position afterwards."""
    price = await deps.prices.price(usage.model)
    cost = price.cost(usage.prompt_tokens, usage.completion_tokens) if price else 0.0
    now = deps.clock()
    call = usage_key(usage.run_id, usage.call_index)
    charged: list[Event] = []

    def decide(state: Any) -> list[Event]:
        charged[:] = list(account.charge(state, usage, cost, now))  # empty: charged before (a redelivery)
        return list(charged)

    written = await deps.ledger.update(usage.user_id, decide, key=f"charge:{call}")
    for event in charged:
        if isinstance(event, TokensCharged):
            BILLING_CHARGES.labels("byok" if event.byok else "charged").inc()
            BILLING_TOKENS.inc(event.charged_tokens)
    return written.position


async def on_usage_event(event: Event, deps: BillingDeps) -> None:
    """What the consumer calls for each event on its filter; anything but usage is skipped."""
    if isinstance(event, UsageRecorded):
        await record_usage(event, deps)
