"""Sandbox commands with typed replies, over the API's one command bus.

How long each request may take is the contract's to say (``Command.reply_timeout``): a
blocking ``execute`` may use its whole ``timeout`` before the sandbox answers.
"""

from __future__ import annotations

from typing import Any

from cheatcode_api.ports.commands import CommandBus
from cheatcode_contracts import Command, CommandReply
from cheatcode_contracts.sandbox import REPLIES


class SandboxClient:
    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus

    async def send(self, command: Command) -> CommandReply:
        return await self._bus.send(command)

    async def ask(self, command: Command) -> Any:
        """The typed reply model (``cheatcode_contracts.sandbox.REPLIES``) of ``command``."""
        reply = await self._bus.send(command)
        return REPLIES[type(command)].model_validate(reply.result)
