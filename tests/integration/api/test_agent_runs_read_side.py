"""Agent-run routes against the real app (composition root), nats-server, PostgreSQL and uvicorn.

Project, thread and run events are appended the way the agent service appends them
(EventStore on their aggregate subjects) and frames published the way it publishes them,
on a nats-server of this module's own where no agent worker runs: these tests cover the
API's read model, routes and SSE route deterministically, without the agent's loop.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from nats.aio.client import Client

from cheatcode_api.entrypoint.app import create_app
from cheatcode_api.entrypoint.bootstrap import Infrastructure, build_infrastructure
from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.frames import content_frame, status_frame, tool_call_frame
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.runs import RunCompleted, RunRequested, RunStarted, RunStopped, run_subject
from cheatcode_contracts.streams import ALL_STREAMS
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import ThreadCreated
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore
from cheatcode_runtime.nats import NatsSettings, connect, ensure_streams
from tests.integration.api.gateway.conftest import KEY, api_settings, jwks, token  # noqa: F401
from tests.integration.api.streaming.sse import parse_events, publish, serve
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration

ALICE, BOB = "user_runs_alice", "user_runs_bob"


@dataclass
class Stack:
    http: httpx.AsyncClient
    container: Infrastructure  # below the ports: JetStream, the waiter
    base_url: str


@pytest.fixture(scope="module")
def private_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path_factory.mktemp("runs-nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def private_nats(private_server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(NatsSettings(url=private_server.url), name="runs-tests")
    await ensure_streams(client.jetstream(), ALL_STREAMS)
    yield client
    await client.drain()


@pytest.fixture(scope="module")
async def stack(
    private_server: NatsServer,
    private_nats: Client,
    database_url: str,
    jwks: JwksDouble,  # noqa: F811
) -> AsyncIterator[Stack]:
    container = await build_infrastructure(api_settings(private_server, database_url, jwks))
    app = create_app(container.container)
    async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        yield Stack(http, container, base_url)  # the app's lifespan closes the container


async def record(stack: Stack, projection: str, subject: str, *events: Event) -> None:
    """Append like the agent service, then wait until ``projection`` has it."""
    store = JetStreamEventStore(stack.container.js, build_registry())
    result = await store.append(subject, list(events), expected_position=None, idempotency_key=str(uuid.uuid4()))
    await stack.container.waiter.wait_for(projection, result.position)


async def record_run(stack: Stack, *events: Event) -> None:
    await record(stack, "agent_runs", run_subject(events[0].aggregate_id), *events)


async def new_thread(stack: Stack, user: str = ALICE) -> tuple[str, str]:
    project_id, thread_id = str(uuid.uuid4()), str(uuid.uuid4())
    project = ProjectCreated(project_id=project_id, user_id=user, name="Runs")
    await record(stack, "projects", aggregate_subject("project", project_id), project)
    thread = ThreadCreated(thread_id=thread_id, project_id=project_id, user_id=user)
    await record(stack, "threads", aggregate_subject("thread", thread_id), thread)
    return project_id, thread_id


async def requested_run(stack: Stack, user: str = ALICE) -> tuple[str, str]:
    project_id, thread_id = await new_thread(stack, user)
    run_id = str(uuid.uuid4())
    await record_run(
        stack, RunRequested(run_id=run_id, thread_id=thread_id, project_id=project_id, user_id=user, model_name="m")
    )
    return run_id, thread_id


async def test_a_requested_run_is_readable_in_the_reference_shapes(stack: Stack) -> None:
    run_id, thread_id = await requested_run(stack)
    details = (await stack.http.get(f"/api/agent-run/{run_id}", headers=token(ALICE))).json()
    assert details["id"] == run_id and details["threadId"] == thread_id
    assert details["status"] == "running" and details["startedAt"] and details["completedAt"] is None
    assert details["error"] is None
    status = (await stack.http.get(f"/api/agent-run/{run_id}/status", headers=token(ALICE))).json()
    assert status["agent_run_id"] == run_id and status["status"] == status["db_status"] == "running"
    assert status["data"] == {}
    listed = (await stack.http.get(f"/api/thread/{thread_id}/agent-runs", headers=token(ALICE))).json()
    assert [run["run_id"] for run in listed["agent_runs"]] == [run_id]
    assert set(listed["agent_runs"][0]) == {
        "run_id",
        "thread_id",
        "status",
        "started_at",
        "completed_at",
        "error",
        "created_at",
        "updated_at",
    }


async def test_lifecycle_events_move_the_status_and_a_finished_run_cannot_be_stopped(stack: Stack) -> None:
    run_id, _ = await requested_run(stack)
    await record_run(stack, RunStarted(run_id=run_id, worker_id="w1"), RunCompleted(run_id=run_id))
    details = (await stack.http.get(f"/api/agent-run/{run_id}", headers=token(ALICE))).json()
    assert details["status"] == "completed" and details["completedAt"] is not None
    await record_run(stack, RunStopped(run_id=run_id, reason="late"))  # a terminal status is final
    stop = await stack.http.post(f"/api/agent-run/{run_id}/stop", headers=token(ALICE))
    assert stop.status_code == 400
    assert stop.json() == {"detail": "Cannot stop agent run with status: completed"}


async def test_another_user_gets_404_on_the_run_its_stream_and_its_threads_runs(stack: Stack) -> None:
    run_id, thread_id = await requested_run(stack)
    bob = token(BOB)
    missing = str(uuid.uuid4())
    for path in (f"/api/agent-run/{run_id}", f"/api/agent-run/{run_id}/status", f"/api/agent-run/{missing}"):
        response = await stack.http.get(path, headers=bob)
        assert response.status_code == 404 and response.json() == {"detail": "Agent run not found"}, path
    stream = await stack.http.get(f"/api/agent-run/{run_id}/stream", params={"token": KEY.mint(BOB)})
    assert stream.status_code == 404
    runs = await stack.http.get(f"/api/thread/{thread_id}/agent-runs", headers=bob)
    assert runs.status_code == 404
    assert (await stack.http.post(f"/api/agent-run/{run_id}/stop", headers=bob)).status_code == 404
    assert (await stack.http.get("/api/agent-run/not-a-uuid", headers=bob)).status_code == 404


async def test_the_stream_needs_a_token_and_accepts_it_as_a_query_parameter(stack: Stack, private_nats: Client) -> None:
    run_id, _ = await requested_run(stack)
    js = private_nats.jetstream()
    seqs = [await publish(js, run_id, content_frame(1, "hello"))]
    seqs.append(await publish(js, run_id, tool_call_frame(2, "read_file", {"path": "a"}, "c1")))
    seqs.append(await publish(js, run_id, status_frame(3, "completed", "Agent run completed successfully")))
    assert (await stack.http.get(f"/api/agent-run/{run_id}/stream")).status_code == 401
    origin = {"Origin": "http://localhost:3000"}
    response = await stack.http.get(
        f"/api/agent-run/{run_id}/stream", params={"token": KEY.mint(ALICE)}, headers=origin
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert [e.id for e in parse_events(response.text)] == seqs
    header_auth = await stack.http.get(
        f"/api/agent-run/{run_id}/stream", headers={**token(ALICE), "Last-Event-ID": str(seqs[0])}
    )
    assert [e.id for e in parse_events(header_auth.text)] == seqs[1:]
    done = await stack.http.get(
        f"/api/agent-run/{run_id}/stream", params={"token": KEY.mint(ALICE), "last_event_id": str(seqs[-1])}
    )
    assert done.status_code == 204, done.text


async def test_an_ended_run_whose_output_has_no_terminal_frame_closes_with_the_read_model_status(
    stack: Stack, private_nats: Client
) -> None:
    run_id, _ = await requested_run(stack)
    seq = await publish(private_nats.jetstream(), run_id, content_frame(1, "partial"))
    await record_run(stack, RunStopped(run_id=run_id, reason="worker lost"))
    response = await stack.http.get(f"/api/agent-run/{run_id}/stream", headers=token(ALICE))
    events = parse_events(response.text)
    assert [e.id for e in events] == [seq, None]
    assert events[-1].data == {"type": "status", "status": "stopped", "message": "worker lost"}


async def test_the_model_list_needs_no_token(stack: Stack) -> None:
    response = await stack.http.get("/api/models/available")
    assert response.status_code == 200
    catalog = response.json()
    assert [m["id"] for m in catalog["models"] if m["default"]] == [catalog["default_model_id"]]
