"""What the write use cases need, and the read-your-writes step they all share."""

from __future__ import annotations

from dataclasses import dataclass

from cheatcode_api.handlers.errors import NotFoundError
from cheatcode_api.ports.commands import CommandBus, CommandRejectedError
from cheatcode_api.ports.read_models import CheckpointWaiter, ReadModels
from cheatcode_contracts import Command, CommandReply, ErrorCode


@dataclass(frozen=True)
class HandlerDeps:
    commands: CommandBus
    waiter: CheckpointWaiter
    read_models: ReadModels

    async def send_and_wait(self, command: Command, projection: str, *, not_found: str | None = None) -> CommandReply:
        """Send ``command``; return only once ``projection`` includes its events (read-your-writes).

        With ``not_found`` set, a not_found/forbidden rejection becomes :class:`NotFoundError`
        with that detail, so another user's resource is indistinguishable from a missing one.
        """
        try:
            reply = await self.commands.send(command)
        except CommandRejectedError as error:
            if not_found is not None and error.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise NotFoundError(not_found) from None
            raise
        await self.waiter.wait_for(projection, reply.position)
        return reply


__all__ = ["HandlerDeps", "NotFoundError"]
