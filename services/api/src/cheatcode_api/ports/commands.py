"""Sending commands to the service that owns them and getting their reply."""

from __future__ import annotations

from abc import ABC, abstractmethod

from cheatcode_contracts import Command, CommandReply, ErrorCode


class CommandRejectedError(Exception):
    """The owning service answered with an error reply."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class CommandBusUnavailableError(Exception):
    """Nobody answered in time: the owning service is down or overloaded."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} service unavailable")
        self.service = service


class CommandBus(ABC):
    @abstractmethod
    async def send(self, command: Command) -> CommandReply:
        """Deliver ``command`` to its owner; return its successful reply.

        Raises :class:`CommandRejectedError` for an error reply and
        :class:`CommandBusUnavailableError` when no owner answers.
        """
