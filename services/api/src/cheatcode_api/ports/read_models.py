"""Waiting for the read model to include a write (read-your-writes)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from cheatcode_api.domain.rows import MessageRow, ProjectRow, ThreadRow


class ReadModelLagError(Exception):
    """The projection did not reach the requested position in time."""

    def __init__(self, projection: str, position: int) -> None:
        super().__init__(f"read model {projection!r} has not reached position {position} yet")
        self.projection = projection
        self.position = position


class ReadModelUnavailableError(Exception):
    """The read-model database cannot be reached; the read may be retried once it is back."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"read models unavailable ({reason})")
        self.reason = reason


class CheckpointWaiter(ABC):
    @abstractmethod
    async def wait_for(self, projection: str, position: int, *, within: float | None = None) -> None:
        """Return once ``projection``'s checkpoint is ≥ ``position``, waiting at most ``within`` seconds
        (None = the configured default); else raise :class:`ReadModelLagError`."""

    @abstractmethod
    async def checkpoint(self, projection: str) -> int:
        """The projection's current checkpoint as last seen."""


class ReadModels(ABC):
    """Queries over the projected rows. Every query is scoped to the caller (``user_id``).

    Every read port raises :class:`ReadModelUnavailableError` when its database is down.
    """

    @abstractmethod
    async def list_projects(self, user_id: str, *, limit: int, offset: int) -> list[ProjectRow]: ...

    @abstractmethod
    async def get_project(self, user_id: str, project_id: str) -> ProjectRow | None:
        """The project if the caller owns it or it is public; None reveals nothing else."""

    @abstractmethod
    async def list_threads(
        self, user_id: str, *, project_id: str | None, limit: int, offset: int
    ) -> list[ThreadRow]: ...

    @abstractmethod
    async def get_thread(self, user_id: str, thread_id: str) -> ThreadRow | None:
        """The thread if the caller owns it or it is public."""

    @abstractmethod
    async def list_messages(self, thread_id: str, *, limit: int, offset: int) -> list[MessageRow]:
        """Messages of a thread, oldest first (the caller checked access with ``get_thread``)."""

    @abstractmethod
    async def get_message(self, message_id: str) -> MessageRow | None: ...
