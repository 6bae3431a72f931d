"""The API's deployment use cases over in-memory read models and command bus: §11's shapes and rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cheatcode_api.handlers import deployments as use
from cheatcode_api.handlers.errors import ApiError, ForbiddenError, NotFoundError
from cheatcode_api.ports.commands import CommandBus, CommandRejectedError
from cheatcode_api.ports.deployments import DeployableProject, DeploymentReads, DeploymentRow, ProjectDeploymentRow
from cheatcode_api.ports.read_models import CheckpointWaiter
from cheatcode_contracts import Command, CommandReply, ErrorCode
from cheatcode_contracts.billing import GetAccountStatus
from cheatcode_contracts.deployments import GetDeploymentSettings, RequestDeployment

NOW = datetime(2026, 12, 1, tzinfo=UTC)
P1, P2 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


class Reads(DeploymentReads):
    def __init__(self) -> None:
        self.projects = {P1: DeployableProject(P1, "u1", "Shop", "web"), P2: DeployableProject(P2, "u1", "Two", "web")}
        self.summaries: dict[str, ProjectDeploymentRow] = {}
        self.rows: dict[str, DeploymentRow] = {}

    async def project(self, project_id: str) -> DeployableProject | None:
        return self.projects.get(project_id)

    async def summary(self, project_id: str) -> ProjectDeploymentRow | None:
        return self.summaries.get(project_id)

    async def deployment(self, deployment_id: str) -> DeploymentRow | None:
        return self.rows.get(deployment_id)

    async def deployed_projects(self, user_id: str) -> int:
        return sum(1 for s in self.summaries.values() if s.user_id == user_id and s.last_deployment_id)


class Bus(CommandBus):
    def __init__(self, *, plan: str = "free", configured: bool = True) -> None:
        self.plan, self.configured, self.sent = plan, configured, list[Command]()

    async def send(self, command: Command) -> CommandReply:
        self.sent.append(command)
        if isinstance(command, GetAccountStatus):
            return CommandReply.success(
                0, user_id=command.user_id, plan_id=self.plan, plan_name=self.plan, tokens_total=1, tokens_remaining=1,
                credits_total=0, credits_remaining=0, quota_resets_at=None, opened=True,
            )  # fmt: skip
        if isinstance(command, GetDeploymentSettings):
            return CommandReply.success(0, vercel_configured=self.configured)
        if isinstance(command, RequestDeployment):
            return CommandReply.success(7, deployment_id="d1", status="deploying")
        raise AssertionError(command)


class Waiter(CheckpointWaiter):
    async def wait_for(self, projection: str, position: int, *, within: float | None = None) -> None:
        return None

    async def checkpoint(self, projection: str) -> int:
        return 0


def row(state: str, **fields: Any) -> DeploymentRow:
    values: dict[str, Any] = {
        "deployment_id": "d1", "project_id": P1, "state": state, "message": f"{state}...",
        "vercel_deployment_id": None, "url": None, "raw_state": None, "error": None, "requested_at": NOW,
        "created_at": None, "ready_at": None,
    }  # fmt: skip
    values.update(fields)
    return DeploymentRow(**values)


def deps(reads: Reads, bus: Bus) -> use.DeploymentDeps:
    return use.DeploymentDeps(commands=bus, rows=reads, waiter=Waiter())


async def test_live_status_precedence() -> None:
    reads, bus = Reads(), Bus()
    d = deps(reads, bus)
    assert await use.live_status(d, "u1", P1) == {
        "state": "none",
        "message": "No deployment found",
        "deployment_id": None,
    }
    reads.summaries[P1] = ProjectDeploymentRow(P1, "u1", "d1", None, None, None)
    reads.rows["d1"] = row("pushing")
    assert await use.live_status(d, "u1", P1) == {
        "state": "pushing", "message": "pushing...", "deployment_id": None, "in_progress": True,
    }  # fmt: skip
    reads.summaries[P1] = ProjectDeploymentRow(P1, "u1", "d1", "shop", "dpl_1", "shop-1.vercel.app")
    reads.rows["d1"] = row(
        "deployed",
        vercel_deployment_id="dpl_1",
        url="shop-1.vercel.app",
        raw_state="READY",
        created_at=NOW,
        ready_at=NOW,
    )
    final = await use.live_status(d, "u1", P1)
    assert final["state"] == "deployed" and final["raw_state"] == "READY" and final["domains"] == ["shop-1.vercel.app"]
    assert final["deployment_id"] == "dpl_1" and final["created_at"] == NOW.isoformat()
    unconfigured = deps(reads, Bus(configured=False))
    assert await use.live_status(unconfigured, "u1", P1) == {
        "state": "unknown", "message": "Vercel API not configured", "deployment_id": "dpl_1",
    }  # fmt: skip


async def test_status_and_ownership() -> None:
    reads = Reads()
    reads.summaries[P1] = ProjectDeploymentRow(P1, "u1", "d1", "shop", "dpl_1", "shop-1.vercel.app")
    d = deps(reads, Bus())
    assert await use.status(d, "u1", P1) == {
        "has_deployment": True, "domains": ["shop-1.vercel.app"], "url": "shop-1.vercel.app",
        "last_deployment_id": "dpl_1", "project_name": "shop", "app_type": "web",
    }  # fmt: skip
    for call in (use.status, use.live_status, use.deploy, use.redeploy):
        with pytest.raises(NotFoundError):
            await call(d, "someone-else", P1)


async def test_the_plan_limit_counts_deployed_projects_on_a_first_deployment() -> None:
    reads, bus = Reads(), Bus(plan="free")
    reads.summaries[P1] = ProjectDeploymentRow(P1, "u1", "d1", "shop", "dpl_1", "shop-1.vercel.app")
    d = deps(reads, bus)
    with pytest.raises(ForbiddenError) as refused:
        await use.deploy(d, "u1", P2)
    assert refused.value.detail == "Deployment limit reached. Your free plan allows 1 deployed projects."
    assert (await use.deploy(d, "u1", P1))["status"] == "deploying"  # a redeploy of the deployed one is no new project
    assert (await use.deploy(deps(reads, Bus(plan="pro")), "u1", P2))["deployment_id"] == "d1"


async def test_an_empty_workspace_is_400() -> None:
    class Empty(Bus):
        async def send(self, command: Command) -> CommandReply:
            if isinstance(command, RequestDeployment):
                raise CommandRejectedError(ErrorCode.INVALID, "No files found in workspace to deploy")
            return await super().send(command)

    with pytest.raises(ApiError) as refused:
        await use.deploy(deps(Reads(), Empty()), "u1", P1)
    assert refused.value.status == 400 and refused.value.detail == "No files found in workspace to deploy"
