from __future__ import annotations

import pytest

from cheatcode_agent.domain import threads
from cheatcode_contracts.threads import AddMessage, CreateThread
from cheatcode_runtime.errors import Conflict, NotFound


def new_thread() -> threads.Thread:
    created = threads.create(CreateThread(thread_id="t", project_id="p", user_id="u", metadata={"name": "chat"}))
    thread = threads.fold("t", [(1, created)])
    assert thread.exists
    return thread


def message(message_id: str = "m", content: object = "hi", user_id: str = "u") -> AddMessage:
    return AddMessage(thread_id="t", message_id=message_id, user_id=user_id, content=content)


def test_a_thread_is_rebuilt_with_its_messages_and_their_positions() -> None:
    thread = new_thread()
    event = threads.add_message(thread, message(content={"role": "user", "content": "hi"}))
    rebuilt = threads.fold(
        "t", [(1, threads.create(CreateThread(thread_id="t", project_id="p", user_id="u"))), (7, event)]
    )
    assert rebuilt.messages == ((7, event),)
    assert rebuilt.message("m") == (7, event)
    assert event.content == {"role": "user", "content": "hi"}
    assert (thread.project_id, thread.metadata) == ("p", {"name": "chat"})


def test_only_the_owner_sees_the_thread() -> None:
    thread = new_thread()
    assert thread.is_visible_to("u")
    assert not thread.is_visible_to("v")
    assert not threads.Thread("t").is_visible_to("u")


def test_a_retried_command_finds_its_earlier_copy() -> None:
    thread = new_thread()
    command = message()
    assert threads.earlier_copy(thread, command) is None
    after = thread.apply_at(threads.add_message(thread, command), 5)
    assert threads.earlier_copy(after, command) == 5
    assert threads.earlier_copy(thread, command) is None  # the earlier state is unchanged
    assert threads.post(after, command) == []


def test_another_message_with_a_used_id_is_a_conflict() -> None:
    thread = new_thread()
    thread = thread.apply_at(threads.add_message(thread, message(content="first")), 5)
    different = message(content="second")
    assert threads.earlier_copy(thread, different) is None
    with pytest.raises(Conflict):
        threads.add_message(thread, different)


def test_posting_needs_the_owner() -> None:
    with pytest.raises(NotFound, match="thread t not found"):
        threads.post(new_thread(), message(user_id="intruder"))


def test_states_grown_from_one_earlier_state_do_not_see_each_other() -> None:
    base = new_thread()
    one = base.apply_at(threads.add_message(base, message("a")), 2)
    two = base.apply_at(threads.add_message(base, message("b")), 3)
    longer = one.apply_at(threads.add_message(one, message("c")), 4)
    assert [e.message_id for _, e in one.messages] == ["a"]
    assert [e.message_id for _, e in two.messages] == ["b"]
    assert [e.message_id for _, e in longer.messages] == ["a", "c"]
    assert base.messages == () and two.message("a") is None and one.message("c") is None


def test_the_newest_user_message_is_the_trigger() -> None:
    thread = new_thread()
    thread = thread.apply_at(threads.add_message(thread, message("u1")), 2)
    reply = AddMessage(thread_id="t", message_id="a1", user_id="u", type="assistant", content="ok")
    thread = thread.apply_at(threads.add_message(thread, reply), 3)
    assert thread.newest_user_message() == "u1"
