"""The deployment workflow end to end in one process: real handlers, the in-memory event store,
an in-memory workspace, and the real Vercel HTTP adapter talking to the Vercel double over ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from cheatcode_contracts.deployments import (
    NO_FILES,
    VERCEL_NOT_CONFIGURED,
    DeploymentRequested,
    DeploymentStarted,
    GetDeploymentSettings,
    Redeploy,
    RequestDeployment,
    deployment_subject,
)
from cheatcode_contracts.sandbox import sandbox_id_for
from cheatcode_infra.vercel_double.app import VercelDouble, create_app
from cheatcode_integrations.adapters.memory_leases import MemoryLeases
from cheatcode_integrations.adapters.vercel_http import HttpVercel
from cheatcode_integrations.domain.deployment import initial
from cheatcode_integrations.handlers import deployments as handlers
from cheatcode_integrations.handlers.deployment_deps import DeploymentDeps, DeploymentTiming
from cheatcode_integrations.handlers.deployment_worker import DeploymentWorker, lease_name
from cheatcode_runtime.consumer.memory import deliver
from cheatcode_runtime.eventstore import InMemoryEventStore, Repository
from cheatcode_runtime.service import execute
from tests.support.memory_workspace import MemoryWorkspace

APP = "/workspace/cheatcode-app"
FAST = DeploymentTiming(
    debounce_seconds=0.05,
    poll_seconds=0.01,
    follow_timeout_seconds=5,
    retry_backoff_seconds=(0.01,),
    busy_retry_seconds=0.01,
    redeploy_poll_seconds=0.01,
)


@dataclass
class Rig:
    store: InMemoryEventStore
    repo: Repository  # type: ignore[type-arg]
    workspace: MemoryWorkspace
    double: VercelDouble
    deps: DeploymentDeps
    worker: DeploymentWorker

    async def requested(self, project_id: str) -> list[DeploymentRequested]:
        history = await self.store.load(deployment_subject(project_id))
        return [s.event for s in history.events if isinstance(s.event, DeploymentRequested)]

    async def types(self, project_id: str) -> list[str]:
        history = await self.store.load(deployment_subject(project_id))
        return [s.event.type_name for s in history.events]


def make_rig(*, token: str | None = "tok", worker_id: str = "w1") -> tuple[Rig, HttpVercel]:
    store = InMemoryEventStore()
    repo = Repository(store, "deployment", initial)
    double = VercelDouble(token="tok", build_seconds=0.05)
    vercel = HttpVercel(
        token=token, base_url="http://vercel.test", team_id="team_1", backoff=0.001,
        transport=httpx.ASGITransport(app=create_app(double)),
    )  # fmt: skip
    workspace = MemoryWorkspace()
    deps = DeploymentDeps(repo, vercel, workspace, MemoryLeases(), worker_id, FAST)
    return Rig(store, repo, workspace, double, deps, DeploymentWorker(deps)), vercel


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    made, vercel = make_rig()
    yield made
    await vercel.close()


def seed(rig: Rig, project_id: str) -> None:
    sandbox = sandbox_id_for(project_id)
    rig.workspace.put(sandbox, f"{APP}/package.json", '{"name":"x"}')
    rig.workspace.put(sandbox, f"{APP}/app/page.tsx", "export default () => null")
    rig.workspace.put(sandbox, f"{APP}/public/logo.png", b"\x89PNG\x00\x01")
    rig.workspace.put(sandbox, f"{APP}/node_modules/react/index.js", "module.exports = 1")
    rig.workspace.put(sandbox, f"{APP}/.env", "SECRET=1")
    rig.workspace.put(sandbox, f"{APP}/.next/cache/x", "built")


def command(project_id: str, cls: type[RequestDeployment] = RequestDeployment) -> RequestDeployment:
    return cls(project_id=project_id, user_id="u1", project_name="Todo App!")


async def run_to_end(rig: Rig, event: DeploymentRequested, *, limit: int = 200) -> list[str]:
    """Deliver ``event`` until the worker acks it (a real consumer would redeliver after each nak)."""
    outcomes: list[str] = []
    for _ in range(limit):
        delivery = await deliver(rig.worker.handle, event)
        outcomes.append(delivery.settled or "")
        if delivery.settled == "ack":
            return outcomes
        await asyncio.sleep(delivery.nak_delay or 0)
    raise AssertionError(f"never acked: {outcomes[-5:]}")


async def test_a_request_is_debounced_then_deployed_with_the_right_files(rig: Rig) -> None:
    seed(rig, "p1")
    reply = await execute(lambda: handlers.request_deployment(command("p1"), rig.deps))
    assert reply.ok and reply.result["status"] == "deploying"
    (event,) = await rig.requested("p1")
    first = await deliver(rig.worker.handle, event)
    assert first.settled == "nak" and first.nak_delay is not None and 0 < first.nak_delay <= 0.05
    await run_to_end(rig, event)
    assert await rig.types("p1") == [
        "deployment.requested", "deployment.started", "deployment.files_collected", "deployment.created",
        "deployment.progressed", "deployment.succeeded",
    ]  # fmt: skip
    (received,) = rig.double.deployments.values()
    files = {f.file: f for f in received.files}
    assert set(files) == {"package.json", "app/page.tsx", "public/logo.png"}
    assert files["public/logo.png"].encoding == "base64" and files["public/logo.png"].content == b"\x89PNG\x00\x01"
    assert received.name == "todo-app" and received.team_id == "team_1"
    assert received.body["target"] == "production" and received.body["projectSettings"]["framework"] == "nextjs"
    state = (await rig.repo.load("p1")).state
    assert state.last is not None and state.last.state == "deployed" and state.last_deployment_id == received.id


async def test_a_newer_request_supersedes_and_the_old_one_is_dropped(rig: Rig) -> None:
    seed(rig, "p2")
    await handlers.request_deployment(command("p2"), rig.deps)
    await handlers.request_deployment(command("p2"), rig.deps)
    old, new = await rig.requested("p2")
    assert (await deliver(rig.worker.handle, old)).settled == "ack"
    await run_to_end(rig, new)
    assert len(rig.double.deployments) == 1
    assert "deployment.superseded" in await rig.types("p2")


async def test_vercel_error_fails_the_deployment(rig: Rig) -> None:
    seed(rig, "p3")
    rig.double.outcome = "ERROR"
    await handlers.request_deployment(command("p3"), rig.deps)
    (event,) = await rig.requested("p3")
    await run_to_end(rig, event)
    state = (await rig.repo.load("p3")).state
    assert state.last is not None and state.last.state == "failed" and state.last.ready_state == "ERROR"


async def test_no_token_and_no_files_are_refused() -> None:
    unconfigured, vercel = make_rig(token=None)
    seed(unconfigured, "p4")
    reply = await execute(lambda: handlers.request_deployment(command("p4"), unconfigured.deps))
    assert reply.error is not None and (reply.error.code, reply.error.detail) == ("unavailable", VERCEL_NOT_CONFIGURED)
    settings = await handlers.deployment_settings(GetDeploymentSettings(), unconfigured.deps)
    assert settings.result == {"vercel_configured": False}
    await vercel.close()
    rig, vercel = make_rig()
    reply = await execute(lambda: handlers.request_deployment(command("empty"), rig.deps))
    assert reply.error is not None and (reply.error.code, reply.error.detail) == ("invalid", NO_FILES)
    await vercel.close()


async def test_transient_vercel_failures_are_retried_with_backoff(rig: Rig) -> None:
    seed(rig, "p5")
    rig.double.fail_next = 6  # more than the adapter's own 3 retries: the workflow retries too
    await handlers.request_deployment(command("p5"), rig.deps)
    (event,) = await rig.requested("p5")
    await run_to_end(rig, event)
    types = await rig.types("p5")
    assert "deployment.retrying" in types and "deployment.resumed" in types and types[-1] == "deployment.succeeded"


async def test_a_deployment_of_a_dead_worker_is_resumed(rig: Rig) -> None:
    seed(rig, "p6")
    await handlers.request_deployment(command("p6"), rig.deps)
    (event,) = await rig.requested("p6")
    loaded = await rig.repo.load("p6")
    await rig.repo.append("p6", loaded, [DeploymentStarted(project_id="p6", deployment_id=event.deployment_id,
                                                          worker="dead")], key="x")  # fmt: skip
    await run_to_end(rig, event)
    state = (await rig.repo.load("p6")).state
    assert state.last is not None and state.last.state == "deployed" and state.last.worker == "w1"
    assert state.last.attempt == 2


async def test_one_deployment_per_user_at_a_time(rig: Rig) -> None:
    seed(rig, "p7")
    await handlers.request_deployment(command("p7"), rig.deps)
    (event,) = await rig.requested("p7")
    await asyncio.sleep(0.06)
    assert await rig.deps.leases.acquire(lease_name("u1"), "other-worker")
    busy = await deliver(rig.worker.handle, event)
    assert busy.settled == "nak" and await rig.types("p7") == ["deployment.requested"]
    await rig.deps.leases.release(lease_name("u1"), "other-worker")
    await run_to_end(rig, event)


async def test_redeploy_waits_for_the_outcome(rig: Rig) -> None:
    seed(rig, "p8")
    waiting = asyncio.create_task(execute(lambda: handlers.redeploy(command("p8", Redeploy), rig.deps)))  # type: ignore[arg-type]
    for _ in range(100):
        if events := await rig.requested("p8"):
            break
        await asyncio.sleep(0.01)
    await run_to_end(rig, events[0])
    reply = await waiting
    assert reply.ok and reply.result["state"] == "deployed"
    (received,) = rig.double.deployments.values()
    assert reply.result["vercel_deployment_id"] == received.id and reply.result["url"] == received.url
