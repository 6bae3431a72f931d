"""What the billing use cases need, built once in ``entrypoint/bootstrap.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cheatcode_billing.domain.account import Account, new_account
from cheatcode_billing.handlers.ledger import AccountLedger
from cheatcode_billing.ports.accounts import AccountDirectory
from cheatcode_billing.ports.prices import ModelPrices
from cheatcode_contracts.billing import ACCOUNT
from cheatcode_runtime.eventstore import EventStore, Repository


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class BillingDeps:
    store: Callable[[], EventStore]
    prices: ModelPrices
    directory: Callable[[], AccountDirectory]
    clock: Callable[[], datetime] = utc_clock
    accounts: Repository[Account] = field(init=False)
    ledger: AccountLedger = field(init=False)

    def __post_init__(self) -> None:
        self.accounts = Repository(self.store, ACCOUNT, new_account)
        self.ledger = AccountLedger(self.accounts, self.store)
