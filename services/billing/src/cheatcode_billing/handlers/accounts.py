"""The billing commands: run gate, account status, plan changes, quota resets."""

from __future__ import annotations

import logging

from cheatcode_billing.domain import account
from cheatcode_billing.handlers.deps import BillingDeps
from cheatcode_contracts import CommandReply, Event
from cheatcode_contracts.billing import (
    ChangePlan,
    CheckRunAllowed,
    GetAccountStatus,
    QuotaReset,
    QuotaResetEntry,
    QuotaResetReport,
    ResetQuotas,
    reply_result,
)
from cheatcode_contracts.plans import is_plan_id, plan
from cheatcode_runtime.errors import Invalid

logger = logging.getLogger("cheatcode.billing.accounts")


async def check_run_allowed(command: CheckRunAllowed, deps: BillingDeps) -> CommandReply:
    loaded = await deps.accounts.load(command.user_id)
    allowance = account.check_run(
        loaded.state,
        command.model,
        command.min_tokens,
        deps.clock(),
        run_id=command.run_id,
        run_usage=command.run_usage,
    )
    return CommandReply.success(loaded.position, **reply_result(allowance))


async def get_account_status(command: GetAccountStatus, deps: BillingDeps) -> CommandReply:
    loaded = await deps.accounts.load(command.user_id)
    return CommandReply.success(loaded.position, **reply_result(account.snapshot(loaded.state, deps.clock())))


async def change_plan(command: ChangePlan, deps: BillingDeps) -> CommandReply:
    if not is_plan_id(command.plan_id):
        raise Invalid("Invalid plan ID")
    target = plan(command.plan_id).id
    now = deps.clock()

    def decide(state: account.Account) -> list[Event]:
        return account.change_plan(
            state, target, now, reason=command.reason, source=command.source, delivery_id=command.delivery_id
        )

    written = await deps.ledger.update(command.user_id, decide, key=command.command_id)
    return CommandReply.success(written.position, **reply_result(account.snapshot(written.loaded.state, now)))


async def reset_quotas(command: ResetQuotas, deps: BillingDeps) -> CommandReply:
    user_ids = command.user_ids if command.user_ids is not None else await deps.directory().user_ids()
    now = deps.clock()
    entries: list[QuotaResetEntry] = []
    position = 0

    def reset(state: account.Account) -> list[Event]:
        return account.reset_quota(state, now, force=command.force)

    for user_id in user_ids:
        written = await deps.ledger.update(user_id, reset, key=f"{command.command_id}:{user_id}")
        position = max(position, written.position)
        entries.extend(account.reset_entry(e) for e in written.events if isinstance(e, QuotaReset))
    logger.info("quota reset: %d of %d accounts", len(entries), len(user_ids))
    report = QuotaResetReport(reset_count=len(entries), reset_details=entries)
    return CommandReply.success(position, **reply_result(report))
