"""Exact metering: one ``TokensCharged`` per LLM call, whatever the deliveries.

:func:`record_usage` is the use case; the durable consumer of ``cc.evt.llm_usage.*`` drives it
(``entrypoint/metering.py``) and acks only after it returned, so a crash before the append
means a redelivery, and a crash after it means a redelivery that the account refuses
(``domain.account.charge`` returns nothing for a call it has charged already).
"""

from __future__ import annotations

import logging

from cheatcode_billing.domain import account
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_contracts import Event
from cheatcode_contracts.billing import usage_key
from cheatcode_contracts.runs import UsageRecorded

logger = logging.getLogger("cheatcode.billing.metering")


async def record_usage(usage: UsageRecorded, deps: BillingDeps) -> int:
    """Charge ``usage`` to its user's account (once); the account's position afterwards."""
    price = await deps.prices.price(usage.model)
    cost = price.cost(usage.prompt_tokens, usage.completion_tokens) if price else 0.0
    now = deps.clock()
    call = usage_key(usage.run_id, usage.call_index)
    written = await deps.ledger.update(
        usage.user_id, lambda state: account.charge(state, usage, cost, now), key=f"charge:{call}"
    )
    return written.position


async def on_usage_event(event: Event, deps: BillingDeps) -> None:
    """What the consumer calls for each event on its filter; anything but usage is skipped."""
    if isinstance(event, UsageRecorded):
        await record_usage(event, deps)
