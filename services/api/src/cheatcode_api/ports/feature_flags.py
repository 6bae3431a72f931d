"""Feature flags as every API replica sees them (kept current by a watch, read without I/O)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from cheatcode_contracts.flags import FlagValue


class FeatureFlags(ABC):
    @abstractmethod
    def all(self) -> dict[str, FlagValue]: ...

    @abstractmethod
    def get(self, name: str) -> FlagValue | None: ...

    async def close(self) -> None:  # noqa: B027 (optional hook)
        """Stop watching."""
