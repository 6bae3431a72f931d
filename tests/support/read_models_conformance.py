"""One conformance suite for the ReadModels port (projects, threads, messages).

Subclasses provide a ``read_models_after`` fixture: an async callable that takes events,
stores them in that order (at increasing positions), applies them the way that adapter's projections do, and
returns the ``ReadModels`` to query. The PostgreSQL projections + queries and the in-memory
stand-in must give the same answers to every test here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from cheatcode_api.ports.read_models import ReadModels
from cheatcode_contracts import Event
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.threads import MessageAdded, ThreadCreated

ReadModelsAfter = Callable[[Sequence[Event]], Awaitable[ReadModels]]

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ids(count: int) -> list[str]:
    return sorted(str(uuid.uuid4()) for _ in range(count))


def users() -> tuple[str, str]:
    """Two users of this test alone: an adapter may keep rows of earlier tests."""
    suffix = uuid.uuid4().hex[:8]
    return f"alice-{suffix}", f"bob-{suffix}"


def project(project_id: str, user: str, second: int, **fields: object) -> ProjectCreated:
    return ProjectCreated(project_id=project_id, user_id=user, name=f"p{second}", occurred_at=at(second), **fields)


def thread(thread_id: str, project_id: str, user: str, second: int, **fields: object) -> ThreadCreated:
    return ThreadCreated(thread_id=thread_id, project_id=project_id, user_id=user, occurred_at=at(second), **fields)


def message(thread_id: str, second: int, content: object = "hi", **fields: object) -> MessageAdded:
    return MessageAdded(
        thread_id=thread_id,
        message_id=str(uuid.uuid4()),
        type="user",
        is_llm_message=True,
        content=content,
        occurred_at=at(second),
        **fields,
    )


class ReadModelsConformance:
    async def test_projects_are_the_callers_newest_first_then_by_id_and_paged(
        self, read_models_after: ReadModelsAfter
    ) -> None:
        alice, bob = users()
        a, b, c, d = ids(4)
        reads = await read_models_after(
            [project(a, alice, 1), project(b, alice, 3), project(c, alice, 3), project(d, bob, 2)]
        )
        listed = await reads.list_projects(alice, limit=10, offset=0)
        assert [row.project_id for row in listed] == [b, c, a]
        assert [row.project_id for row in await reads.list_projects(alice, limit=2, offset=1)] == [c, a]
        assert [row.project_id for row in await reads.list_projects(bob, limit=10, offset=0)] == [d]
        assert await reads.list_projects("carol", limit=10, offset=0) == []

    async def test_a_project_row_carries_the_events_fields(self, read_models_after: ReadModelsAfter) -> None:
        alice, _bob = users()
        (a,) = ids(1)
        event = project(a, alice, 5, description="d", app_type="mobile", model_name="m")
        row = await (await read_models_after([event])).get_project(alice, a)
        assert row is not None
        assert (row.name, row.description, row.app_type, row.model_name, row.is_public) == (
            "p5",
            "d",
            "mobile",
            "m",
            False,
        )
        assert (row.created_at, row.updated_at, row.sandbox) == (at(5), at(5), {})

    async def test_another_users_project_is_missing_unless_public(self, read_models_after: ReadModelsAfter) -> None:
        alice, bob = users()
        private, public = ids(2)
        reads = await read_models_after([project(private, alice, 1), project(public, alice, 2, is_public=True)])
        assert await reads.get_project(bob, private) is None
        shared = await reads.get_project(bob, public)
        assert shared is not None and shared.user_id == alice
        assert await reads.get_project(alice, str(uuid.uuid4())) is None

    async def test_a_replayed_event_changes_nothing(self, read_models_after: ReadModelsAfter) -> None:
        alice, _bob = users()
        (a,) = ids(1)
        first = project(a, alice, 1)
        reads = await read_models_after([first, first.model_copy(update={"name": "renamed"})])
        row = await reads.get_project(alice, a)
        assert row is not None and row.name == "p1"

    async def test_threads_newest_activity_first_and_filtered_by_project(
        self, read_models_after: ReadModelsAfter
    ) -> None:
        alice, bob = users()
        p1, p2 = ids(2)
        t1, t2, t3 = ids(3)
        reads = await read_models_after(
            [
                project(p1, alice, 1),
                project(p2, alice, 2),
                thread(t1, p1, alice, 3),
                thread(t2, p1, alice, 4),
                thread(t3, p2, alice, 5),
                message(t1, 9),  # a new message makes t1 the most recently updated thread
                thread(str(uuid.uuid4()), p1, bob, 6),
            ]
        )
        assert [row.thread_id for row in await reads.list_threads(alice, project_id=None, limit=10, offset=0)] == [
            t1,
            t3,
            t2,
        ]
        in_p1 = await reads.list_threads(alice, project_id=p1, limit=10, offset=0)
        assert [row.thread_id for row in in_p1] == [t1, t2]
        assert in_p1[0].updated_at == at(9) and in_p1[0].created_at == at(3)
        assert [row.thread_id for row in await reads.list_threads(alice, project_id=p1, limit=1, offset=1)] == [t2]

    async def test_an_older_message_does_not_move_a_thread_back(self, read_models_after: ReadModelsAfter) -> None:
        alice, _bob = users()
        p, t = ids(2)
        reads = await read_models_after([project(p, alice, 1), thread(t, p, alice, 10), message(t, 5)])
        row = await reads.get_thread(alice, t)
        assert row is not None and row.updated_at == at(10)

    async def test_another_users_thread_is_missing_unless_public(self, read_models_after: ReadModelsAfter) -> None:
        alice, bob = users()
        p, private, public = ids(3)
        reads = await read_models_after(
            [project(p, alice, 1), thread(private, p, alice, 2), thread(public, p, alice, 3, is_public=True)]
        )
        assert await reads.get_thread(bob, private) is None
        assert await reads.get_thread(bob, public) is not None
        assert await reads.list_threads(bob, project_id=None, limit=10, offset=0) == []

    async def test_messages_in_log_order_with_their_position_and_paged(
        self, read_models_after: ReadModelsAfter
    ) -> None:
        alice, _bob = users()
        p, t = ids(2)
        contents: list[object] = ["first", {"role": "user", "content": "second"}, ["third"]]
        events: list[Event] = [project(p, alice, 1), thread(t, p, alice, 2)]
        events += [message(t, 10 - index, content) for index, content in enumerate(contents)]
        reads = await read_models_after(events)
        listed = await reads.list_messages(t, limit=10, offset=0)
        assert [row.content for row in listed] == contents
        positions = [row.position for row in listed]
        assert positions == sorted(set(positions)) and len(positions) == 3
        assert [row.content for row in await reads.list_messages(t, limit=1, offset=1)] == [contents[1]]
        fetched = await reads.get_message(listed[0].message_id)
        assert fetched == listed[0]
        assert await reads.get_message(str(uuid.uuid4())) is None

    async def test_nul_from_any_writer_is_stripped_so_the_event_still_projects(
        self, read_models_after: ReadModelsAfter
    ) -> None:
        alice, _bob = users()
        p, t = ids(2)
        reads = await read_models_after(
            [
                project(p, alice, 1, description="a\x00b"),
                thread(t, p, alice, 2, metadata={"k\x00": "v\x00"}),
                message(t, 3, {"text": "x\x00y"}, metadata={"m": "\x00"}),
            ]
        )
        row = await reads.get_project(alice, p)
        assert row is not None and row.description == "ab"
        thread_row = await reads.get_thread(alice, t)
        assert thread_row is not None and thread_row.metadata == {"k": "v"}
        (stored,) = await reads.list_messages(t, limit=10, offset=0)
        assert (stored.content, stored.metadata) == ({"text": "xy"}, {"m": ""})
