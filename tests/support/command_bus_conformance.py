"""One conformance suite for the CommandBus port; each adapter's test module subclasses it.

Subclasses provide a ``bus_with`` fixture: an async callable taking a responder (the owning
service's stand-in: command → ``CommandReply``) or None (no owner is up) and returning a bus
whose ``CreateProject`` commands reach that responder.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from pydantic import BaseModel

from cheatcode_api.ports.commands import CommandBus, CommandBusUnavailableError, CommandRejectedError
from cheatcode_contracts import Command, CommandReply, ErrorCode
from cheatcode_contracts.projects import CreateProject

Responder = Callable[[Command], Awaitable[CommandReply]]
BusWith = Callable[[Responder | None], Awaitable[CommandBus]]


class Created(BaseModel):
    project_id: str


def command() -> CreateProject:
    return CreateProject(project_id="p", user_id="u", name="App")


def replying(reply: CommandReply, seen: list[Command] | None = None) -> Responder:
    async def respond(sent: Command) -> CommandReply:
        if seen is not None:
            seen.append(sent)
        return reply

    return respond


class CommandBusConformance:
    async def test_a_successful_reply_is_returned_with_the_command_as_sent(self, bus_with: BusWith) -> None:
        seen: list[Command] = []
        bus = await bus_with(replying(CommandReply.success(7, project_id="p"), seen))
        reply = await bus.send(command())
        assert (reply.ok, reply.position, reply.result) == (True, 7, {"project_id": "p"})
        (sent,) = seen
        assert isinstance(sent, CreateProject) and (sent.project_id, sent.user_id, sent.name) == ("p", "u", "App")

    @pytest.mark.parametrize("code", list(ErrorCode))
    async def test_an_error_reply_raises_with_its_code_and_detail(self, bus_with: BusWith, code: ErrorCode) -> None:
        bus = await bus_with(replying(CommandReply.failure(code, "nope")))
        with pytest.raises(CommandRejectedError) as raised:
            await bus.send(command())
        assert (raised.value.code, raised.value.detail) == (code, "nope")

    async def test_without_an_owner_the_owning_service_is_unavailable(self, bus_with: BusWith) -> None:
        bus = await bus_with(None)
        with pytest.raises(CommandBusUnavailableError) as raised:
            await bus.send(command())
        assert raised.value.service == "agent"

    async def test_ask_gives_the_typed_result(self, bus_with: BusWith) -> None:
        bus = await bus_with(replying(CommandReply.success(3, project_id="p")))
        assert await bus.ask(command(), Created) == Created(project_id="p")

    async def test_a_result_that_does_not_fit_its_model_is_an_internal_error(self, bus_with: BusWith) -> None:
        bus = await bus_with(replying(CommandReply.success(3, other="x")))
        with pytest.raises(CommandRejectedError) as raised:
            await bus.ask(command(), Created)
        assert raised.value.code is ErrorCode.INTERNAL
