from __future__ import annotations

import pytest

from cheatcode_contracts import subject_for, subjects
from cheatcode_contracts.projects import CreateProject
from cheatcode_contracts.streams import ALL_STREAMS, EVENTS


def test_aggregate_subjects_fall_under_the_events_stream() -> None:
    subject = subjects.aggregate_subject("project", "abc")
    assert subject == "cc.evt.project.abc"
    assert EVENTS.subjects == ("cc.evt.>",)


@pytest.mark.parametrize("bad", ["", "a.b", "a b", "*", ">", "x\n"])
def test_tokens_that_would_widen_a_subject_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        subjects.aggregate_subject("project", bad)


def test_commands_route_to_their_owner() -> None:
    assert subject_for(CreateProject) == "cc.cmd.agent.project.create"


def test_stream_subjects_do_not_overlap() -> None:
    prefixes = [s.removesuffix(">") for spec in ALL_STREAMS for s in spec.subjects]
    for one in prefixes:
        assert [other for other in prefixes if other.startswith(one)] == [one]


def test_a_blocking_execute_asks_callers_to_wait_for_its_whole_timeout() -> None:
    from cheatcode_contracts.sandbox import SANDBOX_REPLY_SECONDS, ExecuteCommand, ListFiles

    blocking = ExecuteCommand(sandbox_id="s", command="sleep 100", timeout=600)
    assert blocking.reply_timeout(10.0) == 600 + SANDBOX_REPLY_SECONDS
    background = ExecuteCommand(sandbox_id="s", command="npm run dev", timeout=600, blocking=False)
    assert background.reply_timeout(10.0) == SANDBOX_REPLY_SECONDS
    assert ListFiles(sandbox_id="s", path="/").reply_timeout(60.0) == 60.0
    assert CreateProject(project_id="p", user_id="u", name="n").reply_timeout(10.0) == 10.0
