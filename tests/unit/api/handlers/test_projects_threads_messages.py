"""Project, thread and message use cases on in-memory stand-ins (no NATS, no PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest

from cheatcode_api.handlers import NotFoundError, messages, projects, threads
from cheatcode_api.ports.commands import CommandBusUnavailableError
from cheatcode_api.ports.read_models import ReadModelLagError
from cheatcode_contracts.projects import CreateProject
from tests.support.api_in_memory import InMemoryApi


@pytest.fixture
def api() -> InMemoryApi:
    return InMemoryApi()


async def test_a_created_project_is_readable_at_once_and_only_by_its_owner(api: InMemoryApi) -> None:
    deps = api.container.handler_deps
    row = await projects.create_project(deps, "alice", name="App", description="d")
    assert (row.user_id, row.name, row.description) == ("alice", "App", "d")
    assert await projects.get_project(deps, "alice", row.project_id) == row
    with pytest.raises(NotFoundError, match="Project not found"):
        await projects.get_project(deps, "bob", row.project_id)
    assert [p.project_id for p in await projects.list_projects(deps, "alice", limit=10, offset=0)] == [row.project_id]


async def test_a_post_does_not_answer_before_its_projection_has_the_write(api: InMemoryApi) -> None:
    api.projecting = False  # the log takes the event, the read model never sees it
    with pytest.raises(ReadModelLagError):
        await projects.create_project(api.container.handler_deps, "alice", name="App", description="")
    assert len(api.log) == 1


async def test_a_thread_in_someone_elses_project_is_project_not_found(api: InMemoryApi) -> None:
    deps = api.container.handler_deps
    project = await projects.create_project(deps, "alice", name="App", description="")
    with pytest.raises(NotFoundError, match="Project not found"):
        await threads.create_thread(deps, "bob", project_id=project.project_id)
    thread = await threads.create_thread(deps, "alice", project_id=project.project_id)
    assert thread.project_id == project.project_id
    listed = await threads.list_threads(deps, "alice", project_id=project.project_id, limit=10, offset=0)
    assert [t.thread_id for t in listed] == [thread.thread_id]


async def test_messages_are_added_by_the_threads_owner_and_listed_oldest_first(api: InMemoryApi) -> None:
    deps = api.container.handler_deps
    project = await projects.create_project(deps, "alice", name="App", description="")
    thread = await threads.create_thread(deps, "alice", project_id=project.project_id)
    first = await messages.add_user_message(deps, "alice", thread.thread_id, content="one", metadata={})
    second = await messages.add_user_message(deps, "alice", thread.thread_id, content={"k": 2}, metadata={"m": 1})
    listed = await messages.list_messages(deps, "alice", thread.thread_id, limit=10, offset=0)
    assert [m.message_id for m in listed] == [first.message_id, second.message_id]
    assert (second.content, second.metadata, second.type) == ({"k": 2}, {"m": 1}, "user")
    with pytest.raises(NotFoundError, match="Thread not found"):
        await messages.add_user_message(deps, "bob", thread.thread_id, content="x", metadata={})
    with pytest.raises(NotFoundError, match="Thread not found"):
        await messages.list_messages(deps, "bob", thread.thread_id, limit=10, offset=0)


async def test_an_owner_that_is_down_surfaces_as_unavailable(api: InMemoryApi) -> None:
    del api.bus.responders[CreateProject]
    with pytest.raises(CommandBusUnavailableError, match="agent service unavailable"):
        await projects.create_project(api.container.handler_deps, "alice", name="App", description="")


async def test_a_missing_thread_is_not_found(api: InMemoryApi) -> None:
    with pytest.raises(NotFoundError):
        await threads.get_thread(api.container.handler_deps, "alice", str(uuid.uuid4()))
