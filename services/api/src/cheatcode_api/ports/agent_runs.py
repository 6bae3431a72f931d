"""Reading the agent-run read model."""

from __future__ import annotations

from abc import ABC, abstractmethod

from cheatcode_api.domain.runs import RunRow


class RunReads(ABC):
    @abstractmethod
    async def get_run(self, user_id: str, run_id: str) -> RunRow | None:
        """The run if it exists and ``user_id`` owns it (another user's run looks missing)."""

    @abstractmethod
    async def list_thread_runs(self, user_id: str, thread_id: str) -> list[RunRow]:
        """The user's runs of one thread, newest first."""
