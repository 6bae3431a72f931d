"""The command bus port over ``cheatcode_runtime.nats.CommandClient`` (the one NATS request loop).

The client owns subjects, contract headers, deadlines (``Command.reply_timeout``) and the
no-responders backoff; this adapter only turns its errors into the port's.
"""

from __future__ import annotations

from nats.aio.client import Client

from cheatcode_api.ports.commands import (
    CommandBus,
    CommandBusUnavailableError,
    CommandRejectedError,
    MessagingUnavailableError,
)
from cheatcode_contracts import Command, CommandReply
from cheatcode_runtime.nats import CommandClient, CommandRejectedError as Rejected, CommandUnavailableError


class NatsCommandBus(CommandBus):
    def __init__(self, nc: Client, *, timeout: float = 10.0) -> None:
        self._nc = nc
        self._client = CommandClient(nc, timeout=timeout)

    async def send(self, command: Command) -> CommandReply:
        try:
            return await self._client.send(command)
        except Rejected as error:
            raise CommandRejectedError(error.code, error.detail) from None
        except CommandUnavailableError as error:
            if not self._nc.is_connected:  # say what is really down: NATS, not the owning service
                raise MessagingUnavailableError(error.service) from None
            raise CommandBusUnavailableError(error.service, error.reason) from None
