"""The command bus port over ``cheatcode_runtime.nats.CommandClient`` (the one NATS request loop).

The client owns subjects, contract headers, deadlines (``Command.reply_timeout``) and the
no-responders backoff; this adapter only turns its errors into the port's.
"""

from __future__ import annotations

import asyncio
import time

from nats.aio.client import Client

from cheatcode_api.ports.commands import (
    CommandBus,
    CommandBusUnavailableError,
    CommandRejectedError,
    MessagingUnavailableError,
)
from cheatcode_contracts import Command, CommandReply
from cheatcode_contracts.catalog import COMMAND_OWNERS
from cheatcode_runtime.nats import CommandClient, CommandRejectedError as Rejected, CommandUnavailableError

RECONNECT_GRACE = 2.0  # seconds a command waits for a NATS connection that is being re-established


class NatsCommandBus(CommandBus):
    def __init__(self, nc: Client, *, timeout: float = 10.0, reconnect_grace: float = RECONNECT_GRACE) -> None:
        self._nc = nc
        self._client = CommandClient(nc, timeout=timeout)
        self._reconnect_grace = reconnect_grace

    async def send(self, command: Command) -> CommandReply:
        if not self._nc.is_connected:
            await self._reconnected(command)
        try:
            return await self._client.send(command)
        except Rejected as error:
            raise CommandRejectedError(error.code, error.detail) from None
        except CommandUnavailableError as error:
            if not self._nc.is_connected:  # say what is really down: NATS, not the owning service
                raise MessagingUnavailableError(error.service) from None
            raise CommandBusUnavailableError(error.service, error.reason) from None

    async def _reconnected(self, command: Command) -> None:
        """Ride out a short reconnect; past the grace, say at once that NATS is down rather than
        spending the command's whole deadline (nats-py would buffer the request meanwhile)."""
        ends = time.monotonic() + self._reconnect_grace
        while not self._nc.is_connected:
            if self._nc.is_closed or time.monotonic() >= ends:
                raise MessagingUnavailableError(COMMAND_OWNERS.get(type(command), "the owning"))
            await asyncio.sleep(0.05)
