"""The agent's sandbox adapter sends through the runtime CommandClient: typed replies, clear errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from cheatcode_agent.adapters.nats_sandbox import NatsSandbox
from cheatcode_agent.ports.sandbox import SandboxError
from cheatcode_contracts import CommandReply, ErrorCode, subject_for
from cheatcode_contracts.sandbox import EnsureSandbox, SandboxInfo

ENSURE = EnsureSandbox(project_id="p-adapter", user_id="u1")


@pytest.fixture
async def answering(own_nats_client: Client) -> AsyncIterator[list[CommandReply]]:
    """A stand-in owner on the command's subject; the test says what it answers."""
    replies: list[CommandReply] = []

    async def answer(msg: Msg) -> None:
        await msg.respond(replies.pop(0).model_dump_json().encode())

    sub = await own_nats_client.subscribe(subject_for(ENSURE), cb=answer)
    await own_nats_client.flush()
    yield replies
    await sub.unsubscribe()


async def test_a_success_reply_comes_back_typed(own_nats_client: Client, answering: list[CommandReply]) -> None:
    info: dict[str, Any] = {"sandbox_id": "s1", "project_id": "p-adapter", "status": "running"}
    answering.append(CommandReply.success(position=0, **info))
    reply = await NatsSandbox(own_nats_client).call(ENSURE, wait=5)
    assert isinstance(reply, SandboxInfo) and reply.sandbox_id == "s1"


async def test_a_failure_reply_is_a_sandbox_error_with_its_code(
    own_nats_client: Client, answering: list[CommandReply]
) -> None:
    answering.append(CommandReply.failure(ErrorCode.NOT_FOUND, "Sandbox not found"))
    with pytest.raises(SandboxError) as raised:
        await NatsSandbox(own_nats_client).call(ENSURE, wait=5)
    assert (raised.value.code, raised.value.detail) == (ErrorCode.NOT_FOUND, "Sandbox not found")


async def test_no_sandbox_service_is_unavailable(own_nats_client: Client) -> None:
    command = EnsureSandbox(project_id="p-nobody", user_id="u1")
    with pytest.raises(SandboxError) as raised:
        await NatsSandbox(own_nats_client).call(command, wait=0.5)
    assert raised.value.code == ErrorCode.UNAVAILABLE
