"""``composio.run_servers`` answers with decrypted MCP headers: only the agent's NATS user may ask."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import nats.errors
import pytest
from nats.aio.msg import Msg

from cheatcode_contracts.catalog import subject_for
from cheatcode_contracts.composio import GetRunMcpServers
from cheatcode_contracts.envelope import encode
from tests.support.secured_nats import SecuredNats, connect_as, secured_nats_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    yield from secured_nats_server(tmp_path_factory.mktemp("secured"))


async def test_the_agent_may_ask_the_api_may_not(secured: SecuredNats) -> None:
    server, passwords = secured
    subject = subject_for(GetRunMcpServers)
    integrations = await connect_as(server, passwords, "integrations")
    agent = await connect_as(server, passwords, "agent")
    api = await connect_as(server, passwords, "api")
    denied: list[Exception] = []

    async def on_error(error: Exception) -> None:
        denied.append(error)

    api._error_cb = on_error  # the server reports a publish violation asynchronously

    async def answer(msg: Msg) -> None:
        await msg.respond(b"servers")

    try:
        sub = await integrations.subscribe(subject, cb=answer)
        await integrations.flush()
        reply = await agent.request(subject, encode(GetRunMcpServers(user_id="u1")), timeout=2)
        assert reply.data == b"servers"
        with pytest.raises((nats.errors.TimeoutError, nats.errors.NoRespondersError)):
            await api.request(subject, encode(GetRunMcpServers(user_id="u1")), timeout=1)
        await asyncio.sleep(0.2)
        assert any("permissions violation" in str(error).lower() for error in denied), denied
        await sub.unsubscribe()
    finally:
        for client in (integrations, agent, api):
            await client.close()
