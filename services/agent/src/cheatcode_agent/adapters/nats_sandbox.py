"""The sandbox port over NATS, through the runtime's ``CommandClient`` (the one way commands go out).

Typed replies are those of ``cheatcode_contracts.sandbox.REPLIES``; a failure reply or an
owner that does not answer becomes a :class:`SandboxError` the model can read.
"""

from __future__ import annotations

from nats.aio.client import Client
from pydantic import BaseModel

from cheatcode_agent.ports.sandbox import SandboxError, SandboxPort
from cheatcode_contracts import Command, ErrorCode
from cheatcode_contracts.sandbox import REPLIES
from cheatcode_runtime.nats import CommandClient, CommandRejectedError, CommandUnavailableError


class NatsSandbox(SandboxPort):
    def __init__(self, client: Client | CommandClient) -> None:
        self._commands = client if isinstance(client, CommandClient) else CommandClient(client)

    async def call(self, command: Command, *, wait: float) -> BaseModel:
        try:
            return await self._commands.ask(command, REPLIES[type(command)], wait=wait)
        except CommandRejectedError as error:
            raise SandboxError(error.detail, error.code) from None
        except CommandUnavailableError as error:
            if error.reason == "unavailable":
                raise SandboxError("the sandbox service is not available", ErrorCode.UNAVAILABLE) from None
            raise SandboxError(f"the sandbox {error.reason}", ErrorCode.UNAVAILABLE) from None
