"""Following an agent run's output for SSE clients (resume by stream sequence)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a plain buffer class; importing it at run time would load the NATS adapter
    from cheatcode_api.streaming.client import SseClient


class RunStreams(ABC):
    @abstractmethod
    async def is_past_terminal(self, run_id: str, after_seq: int) -> bool:
        """True when the run's terminal frame is stored and the client already has it."""

    @abstractmethod
    async def open(self, run_id: str, after_seq: int) -> SseClient:
        """A client that will receive every frame of ``run_id`` with sequence > ``after_seq``."""

    @abstractmethod
    def finish_if_silent(self, client: SseClient, status: str, message: str) -> None:
        """Close ``client`` with a synthesised status unless the run's terminal frame arrives soon."""

    @abstractmethod
    def release(self, client: SseClient) -> None:
        """Detach a finished or disconnected client."""

    @abstractmethod
    async def close(self) -> None:
        """Stop following and drop every client."""
