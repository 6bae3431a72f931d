"""Where a run's output frames go: the RUN_OUTPUT stream, read back by the API's SSE route."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class RunOutputUnavailableError(Exception):
    """The output stream did not answer within the adapter's deadline (NATS away for longer
    than a supervised restart or a leader change takes)."""


class RunOutput(ABC):
    @abstractmethod
    async def publish(self, run_id: str, frame: dict[str, Any]) -> bool:
        """Store one frame; False when a frame with its ``(run_id, sequence)`` was already stored.

        Publishing the same frame again (a retry after an error or a cancellation) stores
        nothing new and returns True: it is the same frame. Raises
        :class:`RunOutputUnavailableError` when the stream stays away past the deadline.
        """

    @abstractmethod
    async def last_frame(self, run_id: str) -> dict[str, Any] | None:
        """The newest stored frame of the run, or None."""
