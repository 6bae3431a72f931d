"""Requests to the sandbox service with per-request deadlines and typed replies.

The generic command bus has one timeout; a blocking ``execute`` may legitimately take its full
``timeout`` (up to an hour), so sandbox requests carry their own deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nats.aio.client import Client
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import ValidationError

from cheatcode_api.ports.commands import CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import Command, CommandReply, ErrorCode, subject_for
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.sandbox import REPLIES, SERVICE, ExecuteCommand

NO_RESPONDER_BACKOFF = (0.02, 0.05, 0.1, 0.2, 0.4)
DEFAULT_DEADLINE = 30.0


def deadline_for(command: Command) -> float:
    if isinstance(command, ExecuteCommand) and command.blocking:
        return command.timeout + 30.0
    return DEFAULT_DEADLINE


class SandboxClient:
    def __init__(self, nc: Client) -> None:
        self._nc = nc

    async def send(self, command: Command) -> CommandReply:
        data = await self._request(command)
        try:
            reply = CommandReply.model_validate_json(data)
        except ValidationError as error:
            raise CommandRejectedError(ErrorCode.INTERNAL, "malformed reply from sandbox") from error
        if not reply.ok:
            info = reply.error
            raise CommandRejectedError(info.code if info else ErrorCode.INTERNAL, info.detail if info else "failed")
        return reply

    async def ask(self, command: Command) -> Any:
        """The typed reply model (``cheatcode_contracts.sandbox.REPLIES``) of ``command``."""
        reply = await self.send(command)
        return REPLIES[type(command)].model_validate(reply.result)

    async def _request(self, command: Command) -> bytes:
        payload, headers, deadline = encode(command), contract_headers(command), deadline_for(command)
        for delay in (*NO_RESPONDER_BACKOFF, None):
            try:
                msg = await self._nc.request(subject_for(command), payload, timeout=deadline, headers=headers)
            except NoRespondersError:
                if delay is None:
                    break
                await asyncio.sleep(delay)
            except (NatsTimeoutError, ConnectionClosedError):
                break
            else:
                return bytes(msg.data)
        raise CommandBusUnavailableError(SERVICE)
