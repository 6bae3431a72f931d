"""The billing port over NATS: ``CheckRunAllowed`` with the running threshold, failing open."""

from __future__ import annotations

import logging

from cheatcode_agent.ports.billing import BillingPort
from cheatcode_contracts.billing import CheckRunAllowed, RunAllowance
from cheatcode_contracts.plans import RUN_MIN_TOKENS
from cheatcode_runtime.nats import CommandClient, CommandRejectedError, CommandUnavailableError

logger = logging.getLogger("cheatcode.agent.billing")

CHECK_SECONDS = 3.0  # a check that takes longer lets the call go ahead rather than stall the run


class NatsBilling(BillingPort):
    def __init__(self, client: CommandClient, *, wait: float = CHECK_SECONDS) -> None:
        self._client = client
        self._wait = wait

    async def may_continue(self, user_id: str, run_id: str, run_usage: dict[int, int]) -> bool:
        command = CheckRunAllowed(user_id=user_id, min_tokens=RUN_MIN_TOKENS, run_id=run_id, run_usage=run_usage)
        try:
            allowance = await self._client.ask(command, RunAllowance, wait=self._wait)
        except (CommandUnavailableError, CommandRejectedError) as error:
            # Failing open: every call is metered from its usage event anyway, so a billing
            # outage costs at most the calls made while it lasts, never a charge.
            logger.warning("run %s: billing check unavailable (%s); going on", run_id, error)
            return True
        return allowance.allowed
