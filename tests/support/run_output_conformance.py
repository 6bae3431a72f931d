"""One conformance suite for the agent's RunOutput port; each adapter's test module subclasses it.

Subclasses provide a ``run_output`` fixture returning a store (run ids are fresh per test).
"""

from __future__ import annotations

import uuid

from cheatcode_agent.ports.run_output import RunOutput
from cheatcode_contracts.frames import content_frame, status_frame, tool_call_frame, tool_result_frame


def _run_id() -> str:
    return uuid.uuid4().hex


class RunOutputConformance:
    async def test_a_run_without_frames_has_no_last_frame(self, run_output: RunOutput) -> None:
        assert await run_output.last_frame(_run_id()) is None

    async def test_frames_round_trip_and_the_newest_is_last(self, run_output: RunOutput) -> None:
        run_id = _run_id()
        frames = [
            status_frame(1, "running", "Agent run started"),
            content_frame(2, 'héllo ✓ "quoted"\n', "m1"),
            tool_call_frame(3, "create_file", {"file_path": "a.txt", "nested": {"n": [1, None]}}, "c1", "m1"),
            tool_result_frame(4, "create_file", {"ok": True}, True, "c1", "m2"),
        ]
        for frame in frames:
            assert await run_output.publish(run_id, frame)
            assert await run_output.last_frame(run_id) == frame

    async def test_the_same_frame_again_is_stored_once_and_counts_as_stored(self, run_output: RunOutput) -> None:
        run_id = _run_id()
        frame = content_frame(1, "once")
        assert await run_output.publish(run_id, frame)
        assert await run_output.publish(run_id, frame)  # a retry: same number, same frame
        assert await run_output.publish(run_id, content_frame(2, "next"))
        assert await run_output.last_frame(run_id) == content_frame(2, "next")

    async def test_another_frame_with_a_taken_number_is_refused(self, run_output: RunOutput) -> None:
        run_id = _run_id()
        assert await run_output.publish(run_id, content_frame(1, "mine"))
        assert not await run_output.publish(run_id, status_frame(1, "completed"))
        assert await run_output.last_frame(run_id) == content_frame(1, "mine")

    async def test_runs_are_independent(self, run_output: RunOutput) -> None:
        one, two = _run_id(), _run_id()
        assert await run_output.publish(one, content_frame(1, "one"))
        assert await run_output.publish(two, content_frame(1, "two"))
        assert await run_output.last_frame(one) == content_frame(1, "one")
        assert await run_output.last_frame(two) == content_frame(1, "two")
