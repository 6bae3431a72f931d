"""Commands answered in process by responders a test provides (stand-ins of the owning services).

A responder gets the command and returns the ``CommandReply`` its owner would send; a command
without one behaves like an owner that is down. ``tests/support/command_bus_conformance.py``
holds this and the NATS adapter to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from cheatcode_api.ports.commands import CommandBus, CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import Command, CommandReply, ErrorCode
from cheatcode_contracts.catalog import COMMAND_OWNERS

Responder = Callable[[Command], Awaitable[CommandReply]]


class InMemoryCommandBus(CommandBus):
    def __init__(self, responders: Mapping[type[Command], Responder] | None = None) -> None:
        self.responders: dict[type[Command], Responder] = dict(responders or {})
        self.sent: list[Command] = []

    async def send(self, command: Command) -> CommandReply:
        self.sent.append(command)
        responder = self.responders.get(type(command))
        if responder is None:
            raise CommandBusUnavailableError(COMMAND_OWNERS.get(type(command), "the owning"))
        reply = await responder(command)
        if not reply.ok:
            info = reply.error
            raise CommandRejectedError(
                info.code if info else ErrorCode.INTERNAL, info.detail if info else "command failed"
            )
        return reply
