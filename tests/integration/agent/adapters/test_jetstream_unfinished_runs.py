"""The unfinished-runs scan against a real nats-server: the newest event of each run subject."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from cheatcode_agent.adapters.jetstream_unfinished_runs import JetStreamUnfinishedRuns
from cheatcode_contracts import build_registry, new_id
from cheatcode_contracts.runs import RunCompleted, RunRequested, RunStarted, run_subject
from cheatcode_runtime.eventstore import JetStreamEventStore

pytestmark = pytest.mark.integration


def requested(run_id: str) -> RunRequested:
    return RunRequested(run_id=run_id, thread_id="t", project_id="p", user_id="u", model_name="m")


async def test_lists_runs_whose_newest_event_is_not_terminal(nats_client: Client) -> None:
    store = JetStreamEventStore(nats_client.jetstream(), build_registry())
    running, finished, queued = new_id(), new_id(), new_id()
    for run_id, events in (
        (running, [requested(running), RunStarted(run_id=running, worker_id="w")]),
        (finished, [requested(finished), RunCompleted(run_id=finished)]),
        (queued, [requested(queued)]),
    ):
        await store.append(run_subject(run_id), events, expected_position=0, idempotency_key=new_id())
    found = await JetStreamUnfinishedRuns(nats_client.jetstream(), stream="EVENTS").run_ids()
    assert running in found and queued in found
    assert finished not in found
