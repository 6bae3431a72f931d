"""Commands as NATS requests to ``subject_for(command)``, answered with a ``CommandReply``.

Retrying is safe: the owner appends with ``Nats-Msg-Id = command_id``, so a command that
arrives twice stores one event. NoResponders is retried briefly because a service that is
(re)starting subscribes a moment after the API sends; a timeout is not retried (the owner
may still be working on it, and the caller's deadline is spent).
"""

from __future__ import annotations

import asyncio

from nats.aio.client import Client
from nats.errors import ConnectionClosedError, NoRespondersError, TimeoutError as NatsTimeoutError
from pydantic import ValidationError

from cheatcode_api.ports.commands import CommandBus, CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import Command, CommandReply, ErrorCode
from cheatcode_contracts.catalog import COMMAND_OWNERS, subject_for
from cheatcode_contracts.envelope import contract_headers, encode

NO_RESPONDER_BACKOFF = (0.02, 0.05, 0.1, 0.2, 0.4)


class NatsCommandBus(CommandBus):
    def __init__(self, nc: Client, *, timeout: float = 10.0) -> None:
        self._nc = nc
        self._timeout = timeout

    async def send(self, command: Command) -> CommandReply:
        service = COMMAND_OWNERS[type(command)]
        timeout = command.reply_timeout(self._timeout)
        data = await self._request(subject_for(command), encode(command), contract_headers(command), service, timeout)
        try:
            reply = CommandReply.model_validate_json(data)
        except ValidationError as error:
            raise CommandRejectedError(ErrorCode.INTERNAL, f"malformed reply from {service}") from error
        if not reply.ok:
            error_info = reply.error
            code = error_info.code if error_info else ErrorCode.INTERNAL
            raise CommandRejectedError(code, error_info.detail if error_info else "command failed")
        return reply

    async def _request(self, subject: str, payload: bytes, headers: dict[str, str], service: str, wait: float) -> bytes:
        for delay in (*NO_RESPONDER_BACKOFF, None):
            try:
                msg = await self._nc.request(subject, payload, timeout=wait, headers=headers)
            except NoRespondersError:
                if delay is None:
                    break
                await asyncio.sleep(delay)
            except (NatsTimeoutError, ConnectionClosedError):
                break
            else:
                return bytes(msg.data)
        raise CommandBusUnavailableError(service)
