"""Which hosted sandboxes are idle: unused for the threshold and with no use in progress."""

from __future__ import annotations

from cheatcode_sandbox.domain.activity import Activity


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sandbox_is_idle_once_unused_for_the_threshold() -> None:
    clock = Clock()
    activity = Activity(clock)
    activity.touch("a")
    clock.now += 59
    assert activity.idle(["a"], 60) == []
    clock.now += 1
    assert activity.idle(["a"], 60) == ["a"]
    activity.touch("a")
    assert activity.idle(["a"], 60) == []


def test_a_use_in_progress_keeps_it_busy_and_its_end_counts_as_a_use() -> None:
    clock = Clock()
    activity = Activity(clock)
    with activity.using("a"), activity.using("a"):  # two commands at once
        clock.now += 3600
        assert activity.idle(["a"], 60) == [] and not activity.is_idle("a", 60)
    clock.now += 59
    assert activity.idle(["a"], 60) == []
    clock.now += 1
    assert activity.idle(["a"], 60) == ["a"]


def test_a_hosted_sandbox_never_seen_starts_its_clock_when_first_asked() -> None:
    clock = Clock()
    activity = Activity(clock)
    assert activity.idle(["a"], 60) == [] and not activity.is_idle("b", 60)
    clock.now += 60
    assert activity.idle(["a", "b"], 60) == ["a"]


def test_records_of_sandboxes_not_hosted_here_are_dropped_unless_in_use() -> None:
    clock = Clock()
    activity = Activity(clock)
    activity.touch("elsewhere")
    with activity.using("starting"):
        clock.now += 100
        assert activity.idle([], 60) == []  # prunes "elsewhere", keeps "starting"
        assert activity.is_idle("starting", 0) is False
    assert activity.idle(["elsewhere", "starting"], 60) == []  # both: a fresh clock, a use just ended
    clock.now += 60
    assert activity.idle(["elsewhere", "starting"], 60) == ["elsewhere", "starting"]


def test_forget_drops_the_record_unless_a_use_is_in_progress() -> None:
    clock = Clock()
    activity = Activity(clock)
    activity.touch("a")
    clock.now += 100
    activity.forget("a")
    assert not activity.is_idle("a", 60)
    with activity.using("b"):
        activity.forget("b")
        assert not activity.is_idle("b", 0)
    assert activity.is_idle("b", 0)
