"""Model prices, for the estimated cost of each metered LLM call (reference §12.2)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """US dollars per token."""

    prompt: float
    completion: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return prompt_tokens * self.prompt + completion_tokens * self.completion


@dataclass(frozen=True)
class PriceCacheState:
    cached: bool
    model_count: int
    ttl_seconds: float  # what is left of the cached table's life (0 when not cached)


class ModelPrices(ABC):
    """A price table kept fresh from the provider's catalog; never raises on the charge path."""

    @abstractmethod
    async def price(self, model: str) -> Price | None:
        """The price of ``model`` (any of its id spellings); None when unknown."""

    @abstractmethod
    async def state(self) -> PriceCacheState: ...

    @abstractmethod
    async def warm(self) -> int:
        """Fetch the provider's table now; the number of models priced. Raises on failure."""

    @abstractmethod
    async def clear(self) -> bool:
        """Forget the fetched table (True if there was one)."""
