"""One conformance suite for the EventStore port; each adapter's test module subclasses it.

Subclasses provide an ``event_store`` fixture returning a fresh, empty store.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from cheatcode_contracts import new_id
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import MessageAdded
from cheatcode_runtime.eventstore import ConcurrencyError, EventStore


def _subject() -> str:
    return aggregate_subject("project", uuid.uuid4().hex)


def _created(project_id: str = "p") -> ProjectCreated:
    return ProjectCreated(project_id=project_id, user_id="u", name="n")


def _message(text: str) -> MessageAdded:
    return MessageAdded(thread_id="t", message_id=new_id(), type="user", is_llm_message=True, content=text)


class EventStoreConformance:
    async def test_load_of_unknown_subject_is_empty(self, event_store: EventStore) -> None:
        history = await event_store.load(_subject())
        assert history.events == ()
        assert history.position == 0

    async def test_append_then_load_round_trips_events_in_order(self, event_store: EventStore) -> None:
        subject = _subject()
        first = await event_store.append(subject, [_created()], expected_position=0, idempotency_key=new_id())
        second = await event_store.append(
            subject, [_message("a"), _message("b")], expected_position=first.position, idempotency_key=new_id()
        )
        history = await event_store.load(subject)
        assert [type(e.event) for e in history.events] == [ProjectCreated, MessageAdded, MessageAdded]
        assert [e.event.content for e in history.events[1:]] == ["a", "b"]  # type: ignore[attr-defined]
        assert history.position == second.position
        assert [e.position for e in history.events] == sorted({e.position for e in history.events})

    async def test_subjects_are_independent(self, event_store: EventStore) -> None:
        one, two = _subject(), _subject()
        await event_store.append(one, [_created("1")], expected_position=0, idempotency_key=new_id())
        await event_store.append(two, [_created("2")], expected_position=0, idempotency_key=new_id())
        history = await event_store.load(two)
        assert [e.event.project_id for e in history.events] == ["2"]  # type: ignore[attr-defined]

    async def test_stale_expected_position_raises_conflict(self, event_store: EventStore) -> None:
        subject = _subject()
        await event_store.append(subject, [_created()], expected_position=0, idempotency_key=new_id())
        with pytest.raises(ConcurrencyError):
            await event_store.append(subject, [_message("x")], expected_position=0, idempotency_key=new_id())
        assert len((await event_store.load(subject)).events) == 1

    async def test_none_expected_position_skips_the_check(self, event_store: EventStore) -> None:
        subject = _subject()
        await event_store.append(subject, [_created()], expected_position=0, idempotency_key=new_id())
        await event_store.append(subject, [_message("x")], expected_position=None, idempotency_key=new_id())
        assert len((await event_store.load(subject)).events) == 2

    async def test_same_command_twice_stores_one_event(self, event_store: EventStore) -> None:
        subject, key = _subject(), new_id()
        first = await event_store.append(subject, [_created()], expected_position=0, idempotency_key=key)
        again = await event_store.append(subject, [_created()], expected_position=0, idempotency_key=key)
        assert not first.duplicate
        assert again.duplicate
        assert again.position == first.position
        assert len((await event_store.load(subject)).events) == 1

    async def test_concurrent_appends_to_one_aggregate_exactly_one_wins(self, event_store: EventStore) -> None:
        subject = _subject()
        base = await event_store.append(subject, [_created()], expected_position=0, idempotency_key=new_id())

        async def attempt(index: int) -> bool:
            try:
                await event_store.append(
                    subject, [_message(str(index))], expected_position=base.position, idempotency_key=new_id()
                )
            except ConcurrencyError:
                return False
            return True

        outcomes = await asyncio.gather(*(attempt(i) for i in range(20)))
        assert outcomes.count(True) == 1
        assert len((await event_store.load(subject)).events) == 2

    async def test_follow_sees_what_is_stored_after_the_position_in_order(self, event_store: EventStore) -> None:
        subject = _subject()
        base = await event_store.append(subject, [_created()], expected_position=0, idempotency_key=new_id())
        seen: list[str] = []

        async def follow() -> None:
            async for stored in event_store.follow(subject, after=base.position):
                seen.append(stored.event.content)  # type: ignore[attr-defined]
                if len(seen) == 3:
                    return

        follower = asyncio.create_task(follow())
        await asyncio.sleep(0.05)
        position = base.position
        for text in ("a", "b"):
            position = (
                await event_store.append(
                    subject, [_message(text)], expected_position=position, idempotency_key=new_id()
                )
            ).position
        with pytest.raises(ConcurrencyError):  # refused: a follower never sees it
            await event_store.append(
                subject, [_message("stale")], expected_position=base.position, idempotency_key=new_id()
            )
        await event_store.append(_subject(), [_created()], expected_position=0, idempotency_key=new_id())  # elsewhere
        await event_store.append(subject, [_message("c")], expected_position=position, idempotency_key=new_id())
        await asyncio.wait_for(follower, 5.0)
        assert seen == ["a", "b", "c"]

    async def test_follow_from_an_older_position_replays_first(self, event_store: EventStore) -> None:
        subject = _subject()
        await event_store.append(subject, [_created(), _message("a")], expected_position=0, idempotency_key=new_id())
        stream = event_store.follow(subject, after=0)
        try:
            first = await asyncio.wait_for(anext(stream), 5.0)
            second = await asyncio.wait_for(anext(stream), 5.0)
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
        assert isinstance(first.event, ProjectCreated) and second.event.content == "a"  # type: ignore[attr-defined]
        assert first.position < second.position
