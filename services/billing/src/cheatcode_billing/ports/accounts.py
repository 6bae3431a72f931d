"""Which accounts exist: the admin quota reset and quota status visit every one of them."""

from __future__ import annotations

from abc import ABC, abstractmethod


class AccountDirectory(ABC):
    @abstractmethod
    async def user_ids(self) -> list[str]:
        """Every user id that has an account subject in the event log."""
