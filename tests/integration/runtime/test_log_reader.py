"""`cheatcode events` reads back exactly what the services stored, in order."""

from __future__ import annotations

import uuid

from nats.aio.client import Client

from cheatcode_contracts import build_registry, new_id
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.subjects import aggregate_subject, all_events_filter, run_output_subject
from cheatcode_contracts.threads import MessageAdded
from cheatcode_runtime.eventstore import JetStreamEventStore
from cheatcode_runtime.nats.log_reader import describe, events_query, read_log, run_output_query


async def _history(nats_client: Client) -> tuple[str, list[int]]:
    store = JetStreamEventStore(nats_client.jetstream(), build_registry())
    project_id = uuid.uuid4().hex
    subject = aggregate_subject("project", project_id)
    first = await store.append(
        subject,
        [ProjectCreated(project_id=project_id, user_id="u", name="n")],
        expected_position=0,
        idempotency_key=new_id(),
    )
    # Noise on another aggregate, between the two events of this one.
    other = aggregate_subject("thread", uuid.uuid4().hex)
    message = MessageAdded(thread_id="t", message_id=new_id(), type="user", is_llm_message=True, content="x")
    await store.append(other, [message], expected_position=0, idempotency_key=new_id())
    second = await store.append(
        subject,
        [ProjectCreated(project_id=project_id, user_id="u", name="again")],
        expected_position=first.position,
        idempotency_key=new_id(),
    )
    return project_id, [first.position, second.position]


async def test_an_aggregates_history_comes_back_decoded_and_in_order(nats_client: Client) -> None:
    project_id, positions = await _history(nats_client)
    js = nats_client.jetstream()
    records = [describe(m, build_registry()) async for m in read_log(js, events_query(f"cc.evt.project.{project_id}"))]
    assert [r["seq"] for r in records] == positions
    assert [r["type"] for r in records] == ["project.created", "project.created"]
    assert [r["data"]["name"] for r in records] == ["n", "again"]


async def test_from_sequence_and_limit_bound_the_output(nats_client: Client) -> None:
    _, positions = await _history(nats_client)
    js = nats_client.jetstream()
    records = [m async for m in read_log(js, events_query(all_events_filter(), positions[0], limit=2))]
    assert [m.metadata.sequence.stream for m in records] == [positions[0], positions[0] + 1]


async def test_an_unknown_aggregate_prints_nothing(nats_client: Client) -> None:
    js = nats_client.jetstream()
    query = events_query(aggregate_subject("project", uuid.uuid4().hex))
    assert [m async for m in read_log(js, query, idle_timeout=0.5)] == []


async def test_run_output_frames_are_printed_as_sent(nats_client: Client) -> None:
    run_id = uuid.uuid4().hex
    js = nats_client.jetstream()
    for sequence in (1, 2):
        body = f'{{"type": "content", "content": "c{sequence}", "sequence": {sequence}}}'.encode()
        await js.publish(run_output_subject(run_id), body)
    records = [describe(m, build_registry()) async for m in read_log(js, run_output_query(run_output_subject(run_id)))]
    assert [r["data"]["content"] for r in records] == ["c1", "c2"]
