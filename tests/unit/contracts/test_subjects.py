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
