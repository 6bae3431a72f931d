"""Reading the ``composio_profiles`` read model; every query is scoped to the caller."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ProfileRow:
    profile_id: str
    user_id: str
    toolkit_slug: str
    toolkit_name: str
    profile_name: str
    display_name: str
    connected_account_id: str
    enabled_tools: tuple[str, ...]
    is_active: bool
    is_default: bool
    is_default_for_dashboard: bool
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None


class ComposioReads(ABC):
    @abstractmethod
    async def profiles(self, user_id: str, toolkit_slug: str | None = None) -> list[ProfileRow]:
        """The user's profiles, newest first."""

    @abstractmethod
    async def profile(self, user_id: str, profile_id: str) -> ProfileRow | None:
        """The profile if it is the user's (another user's id: ``None``)."""

    @abstractmethod
    async def name_taken(self, user_id: str, toolkit_slug: str, profile_name: str) -> bool: ...

    @abstractmethod
    async def dashboard_profiles(self, user_id: str) -> list[ProfileRow]:
        """Active profiles that are dashboard defaults (what runs use), newest first."""
