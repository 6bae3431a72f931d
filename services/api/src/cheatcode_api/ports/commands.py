"""Sending commands to the service that owns them and getting their reply."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from cheatcode_contracts import Command, CommandReply, ErrorCode

M = TypeVar("M", bound=BaseModel)


class CommandRejectedError(Exception):
    """The owning service answered with an error reply."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class CommandBusUnavailableError(Exception):
    """Nobody answered in time: the owning service is down or overloaded, or NATS is unreachable."""

    def __init__(self, service: str, reason: str = "unavailable") -> None:
        super().__init__(f"{service} service {reason}")
        self.service = service
        self.reason = reason


class MessagingUnavailableError(CommandBusUnavailableError):
    """NATS itself is unreachable, so no command can reach the event store through its owner."""

    def __init__(self, service: str) -> None:
        super().__init__(service, "unreachable: messaging (NATS) is down")


class CommandBus(ABC):
    @abstractmethod
    async def send(self, command: Command) -> CommandReply:
        """Deliver ``command`` to its owner; return its successful reply.

        Raises :class:`CommandRejectedError` for an error reply and
        :class:`CommandBusUnavailableError` when no owner answers.
        """

    async def ask(self, command: Command, reply_model: type[M]) -> M:
        """``send``, then the reply's ``result`` as ``reply_model`` (a malformed one is an internal error)."""
        reply = await self.send(command)
        try:
            return reply_model.model_validate(reply.result)
        except ValidationError as error:
            raise CommandRejectedError(ErrorCode.INTERNAL, f"malformed reply to {type(command).__name__}") from error
