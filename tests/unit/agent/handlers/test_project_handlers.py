from __future__ import annotations

import pytest

from cheatcode_agent.handlers.aggregates import Aggregates
from cheatcode_agent.handlers.projects import create_project
from cheatcode_contracts import CommandReply
from cheatcode_contracts.projects import CreateProject, ProjectCreated
from cheatcode_runtime.eventstore import InMemoryEventStore
from cheatcode_runtime.service import Conflict


async def test_creating_a_project_appends_its_event_on_its_subject() -> None:
    store = InMemoryEventStore()
    reply = await create_project(CreateProject(project_id="p1", user_id="u", name="App"), Aggregates.over(store))
    assert reply == CommandReply.success(position=1, project_id="p1")
    [stored] = store.log
    assert stored.subject == "cc.evt.project.p1"
    assert isinstance(stored.event, ProjectCreated)
    assert (stored.event.user_id, stored.event.name) == ("u", "App")


async def test_the_same_command_retried_gets_the_same_reply_and_one_event() -> None:
    store = InMemoryEventStore()
    await create_project(CreateProject(project_id="p0", user_id="u", name="Other"), Aggregates.over(store))
    command = CreateProject(project_id="p1", user_id="u", name="App")
    first = await create_project(command, Aggregates.over(store))
    again = await create_project(command, Aggregates.over(store))
    assert first == again == CommandReply.success(position=2, project_id="p1")
    assert len(store.log) == 2


async def test_another_command_for_an_existing_id_is_a_conflict() -> None:
    store = InMemoryEventStore()
    await create_project(CreateProject(project_id="p1", user_id="u", name="App"), Aggregates.over(store))
    with pytest.raises(Conflict):
        await create_project(CreateProject(project_id="p1", user_id="v", name="Mine now"), Aggregates.over(store))
    assert len(store.log) == 1
