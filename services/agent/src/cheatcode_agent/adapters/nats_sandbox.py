"""The sandbox port over NATS request/reply, with the contracts of ``cheatcode_contracts.sandbox``."""

from __future__ import annotations

from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError as NatsTimeoutError
from pydantic import BaseModel

from cheatcode_agent.ports.sandbox import SandboxError, SandboxPort
from cheatcode_contracts import Command, CommandReply, ErrorCode, subject_for
from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.sandbox import REPLIES


class NatsSandbox(SandboxPort):
    def __init__(self, client: Client) -> None:
        self._client = client

    async def call(self, command: Command, *, wait: float) -> BaseModel:
        reply_model = REPLIES[type(command)]
        try:
            msg = await self._client.request(
                subject_for(command), encode(command), timeout=wait, headers=contract_headers(command)
            )
        except NoRespondersError:
            raise SandboxError("the sandbox service is not available", ErrorCode.UNAVAILABLE) from None
        except NatsTimeoutError:
            raise SandboxError(f"the sandbox did not answer within {wait:g} s", ErrorCode.UNAVAILABLE) from None
        reply = CommandReply.model_validate_json(msg.data)
        if not reply.ok:
            error = reply.error
            raise SandboxError(error.detail if error else "sandbox request failed", error.code if error else None)
        return reply_model.model_validate(reply.result)
