"""Reading the ``sandboxes`` read model (and the project facts sandbox routes check)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from cheatcode_api.domain.rows import ProjectOwner, SandboxRow


class SandboxReads(ABC):
    @abstractmethod
    async def sandbox(self, sandbox_id: str) -> SandboxRow | None:
        """The sandbox unless it is unknown or deleted (ownership is the caller's check)."""

    @abstractmethod
    async def project(self, project_id: str) -> ProjectOwner | None:
        """Who owns the project and its app type, or None when it does not exist."""
