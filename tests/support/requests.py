"""NATS request helpers for tests that talk to a service like a real caller does."""

from __future__ import annotations

import asyncio
import time

from nats.aio.client import Client
from nats.errors import NoRespondersError

from cheatcode_contracts import Command, CommandReply, subject_for


async def request_when_ready(client: Client, subject: str, body: bytes, *, wait: float = 5.0) -> bytes:
    """Request, retrying while the server has not yet seen the responder's subscription."""
    deadline = time.monotonic() + wait
    while True:
        try:
            reply = await client.request(subject, body, timeout=max(deadline - time.monotonic(), 0.1))
        except NoRespondersError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.01)
        else:
            return reply.data


async def send_command(client: Client, command: Command, *, wait: float = 5.0) -> CommandReply:
    data = await request_when_ready(client, subject_for(command), command.model_dump_json().encode(), wait=wait)
    return CommandReply.model_validate_json(data)
