"""Which run a project started last: enough to keep one active run per project."""

from __future__ import annotations

from abc import ABC, abstractmethod


class ProjectRuns(ABC):
    @abstractmethod
    async def replace(self, project_id: str, run_id: str) -> str | None:
        """Record ``run_id`` as the project's newest run; return the one it replaces.

        Atomic: of two concurrent calls, each sees the other's run or its predecessor,
        never the same predecessor twice, so every older run is handed to exactly one caller.
        """
