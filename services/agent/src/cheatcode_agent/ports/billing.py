"""The billing port: may this run make its next LLM call? (reference §12.2 "Effect on the run")."""

from __future__ import annotations

from abc import ABC, abstractmethod

BILLING_LIMIT_REACHED = "Billing limit reached"


class BillingPort(ABC):
    @abstractmethod
    async def may_continue(self, user_id: str, run_id: str, run_usage: dict[int, int]) -> bool:
        """False when the account is under the running threshold (1,000 tokens, byok never).

        ``run_usage`` is this run's tokens per LLM call so far: calls billing has not charged
        yet count as spent. Billing unreachable answers True (the run goes on; its usage is
        recorded and charged when billing is back).
        """
