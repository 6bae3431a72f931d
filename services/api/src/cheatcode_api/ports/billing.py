"""Reading the billing read models (``billing_accounts``, ``billing_usage``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from cheatcode_api.domain.billing import AccountRow, UsageRow


class BillingReads(ABC):
    @abstractmethod
    async def account(self, user_id: str) -> AccountRow | None:
        """The user's account row; None when billing has never written it (default free)."""

    @abstractmethod
    async def usage_since(self, user_id: str, since: datetime, limit: int) -> list[UsageRow]:
        """The user's metered calls at or after ``since``, newest first."""

    @abstractmethod
    async def all_accounts(self, limit: int) -> list[AccountRow]:
        """Every account row (admin quota status), by user id."""

    @abstractmethod
    async def deployments_used(self, user_id: str) -> int:
        """How many deployments the user has (0 until the deployments feature exists)."""
