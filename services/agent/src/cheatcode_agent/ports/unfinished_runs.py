"""Which runs have not ended: the reconciler's list of candidates (the agent has no read model)."""

from __future__ import annotations

from abc import ABC, abstractmethod


class UnfinishedRuns(ABC):
    @abstractmethod
    async def run_ids(self) -> list[str]:
        """Every run whose newest lifecycle event is not terminal (RunCompleted, RunFailed,
        RunStopped). May include a run that ended a moment ago: callers load it before acting."""
