"""Checking a user's OpenRouter key against OpenRouter (``GET /auth/key``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyCheck:
    success: bool
    message: str | None = None  # on success
    error: str | None = None  # on failure: the reference's wording, safe to show


class KeyChecker(ABC):
    @abstractmethod
    async def check(self, api_key: str) -> KeyCheck:
        """Whether OpenRouter accepts ``api_key`` and it has credits left. Never raises."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release network resources."""
