"""Creating a project."""

from __future__ import annotations

from cheatcode_agent.domain import projects
from cheatcode_agent.ports import EventStore
from cheatcode_contracts import CommandReply
from cheatcode_contracts.projects import PROJECT, CreateProject
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_runtime.eventstore import ConcurrencyError
from cheatcode_runtime.service import Conflict, NotFound

NEW_AGGREGATE = 0  # expected position meaning "the subject must be empty"


async def create_project(command: CreateProject, store: EventStore) -> CommandReply:
    """Appending to an empty subject makes "the id is free" and the write one atomic step.

    The same command retried is found by the store's idempotency key and gets the same reply.
    """
    subject = aggregate_subject(PROJECT, command.project_id)
    try:
        result = await store.append(
            subject, [projects.create(command)], expected_position=NEW_AGGREGATE, idempotency_key=command.command_id
        )
    except ConcurrencyError:
        raise Conflict(f"project {command.project_id} already exists") from None
    return CommandReply.success(position=result.position, project_id=command.project_id)


async def load_project(store: EventStore, project_id: str, *, user_id: str) -> projects.Project:
    """The project if ``user_id`` may see it; NotFound otherwise, so nothing leaks to others."""
    history = await store.load(aggregate_subject(PROJECT, project_id))
    project = projects.replay(stored.event for stored in history.events)
    if project is None or not project.is_visible_to(user_id):
        raise NotFound(f"project {project_id} not found")
    return project
