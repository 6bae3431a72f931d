"""Creating a project."""

from __future__ import annotations

from cheatcode_agent.domain import projects
from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_contracts import CommandReply
from cheatcode_contracts.projects import CreateProject
from cheatcode_runtime.errors import Conflict
from cheatcode_runtime.eventstore import ConcurrencyError


async def create_project(command: CreateProject, aggregates: Aggregates) -> CommandReply:
    """Appending to an empty subject makes "the id is free" and the write one atomic step.

    The same command retried is found by the store's idempotency key and gets the same reply.
    """
    try:
        loaded = await aggregates.projects.create(
            command.project_id, [projects.create(command)], key=command.command_id
        )
    except ConcurrencyError:
        raise Conflict(f"project {command.project_id} already exists") from None
    return CommandReply.success(position=loaded.position, project_id=command.project_id)
