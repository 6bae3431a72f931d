"""Which OpenRouter key a run's LLM calls use: the user's own on the byok plan, else the system's."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

BYOK_KEY_MISSING = (
    "Your BYOK plan runs on your own OpenRouter API key, and none is stored (or it was deleted): "
    "add it in Settings before starting a run"
)


class RunKeyUnavailableError(Exception):
    """Billing answered but could not say which key to use: the run must not guess (a byok
    account would silently run on the system key). When billing does not answer at all, the
    adapter uses the system key (see adapters/nats_llm_keys.py)."""


@dataclass(frozen=True)
class RunKey:
    byok: bool
    api_key: str | None = field(default=None, repr=False)  # never in a repr, so never in a log

    @property
    def missing(self) -> bool:
        """A byok account without a usable key: the run cannot call the model."""
        return self.byok and not self.api_key


class RunLlmKeys(ABC):
    @abstractmethod
    async def for_run(self, user_id: str, run_id: str) -> RunKey:
        """The key for this run; raises :class:`RunKeyUnavailableError`."""
