from __future__ import annotations

import pytest

from cheatcode_agent.domain import threads
from cheatcode_contracts.threads import AddMessage, CreateThread
from cheatcode_runtime.service import Conflict


def new_thread() -> threads.Thread:
    created = threads.create(CreateThread(thread_id="t", project_id="p", user_id="u", metadata={"name": "chat"}))
    thread = threads.replay([(1, created)])
    assert thread is not None
    return thread


def message(message_id: str = "m", content: object = "hi") -> AddMessage:
    return AddMessage(thread_id="t", message_id=message_id, user_id="u", content=content)


def test_a_thread_is_rebuilt_with_its_messages_and_their_positions() -> None:
    thread = new_thread()
    event = threads.add_message(thread, message(content={"role": "user", "content": "hi"}))
    rebuilt = threads.replay(
        [(1, threads.create(CreateThread(thread_id="t", project_id="p", user_id="u"))), (7, event)]
    )
    assert rebuilt is not None
    assert rebuilt.messages == {"m": (7, event)}
    assert event.content == {"role": "user", "content": "hi"}
    assert (thread.project_id, thread.metadata) == ("p", {"name": "chat"})


def test_only_the_owner_sees_the_thread() -> None:
    thread = new_thread()
    assert thread.is_visible_to("u")
    assert not thread.is_visible_to("v")


def test_a_retried_command_finds_its_earlier_copy() -> None:
    thread = new_thread()
    command = message()
    assert threads.earlier_copy(thread, command) is None
    threads.apply(thread, threads.add_message(thread, command), 5)
    assert threads.earlier_copy(thread, command) == 5


def test_another_message_with_a_used_id_is_a_conflict() -> None:
    thread = new_thread()
    threads.apply(thread, threads.add_message(thread, message(content="first")), 5)
    different = message(content="second")
    assert threads.earlier_copy(thread, different) is None
    with pytest.raises(Conflict):
        threads.add_message(thread, different)
