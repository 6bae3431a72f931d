"""Deployments to Vercel: one aggregate per project, its events and the integrations commands.

Every event of a project's deployments lives on ``cc.evt.deployment.<project_id>`` (aggregate
kind ``deployment``), so ``cheatcode events --aggregate deployment:<project_id>`` prints the
whole history, and the per-project rules (debounce: a newer request supersedes a queued one;
one deployment of a project at a time) are decided on one subject with optimistic concurrency.
Each request has its own ``deployment_id``; its steps are, in order:

``DeploymentRequested`` (live-status ``queued``) → ``DeploymentStarted`` (``preparing``) →
``DeploymentFilesCollected`` (``pushing``) → ``DeploymentCreated`` (``building``; Vercel's id and
URL) → ``DeploymentSucceeded`` (``deployed``) | ``DeploymentFailed`` (``failed``).
``DeploymentSuperseded`` ends a queued request that a newer one replaced; ``DeploymentRetrying``
records a failed attempt that will be tried again; ``DeploymentResumed`` a worker that took over
a deployment whose worker vanished.

Commands (answered by the integrations service): :class:`RequestDeployment` (answers once the
request is recorded), :class:`Redeploy` (answers when the deployment is finished) and
:class:`GetDeploymentSettings`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from cheatcode_contracts.base import Command, CommandReply, Event
from cheatcode_contracts.projects import AppType
from cheatcode_contracts.subjects import aggregate_kind_filter, aggregate_subject

DEPLOYMENT = "deployment"
DEPLOYMENT_EVENTS_FILTER = aggregate_kind_filter(DEPLOYMENT)
REDEPLOY_REPLY_SECONDS = 660.0  # the frontend waits up to 10 minutes for a redeploy

DeploymentState = Literal["queued", "preparing", "pushing", "building", "deployed", "failed", "superseded"]
IN_PROGRESS_STATES: frozenset[str] = frozenset({"queued", "preparing", "pushing", "building"})
TERMINAL_STATES: frozenset[str] = frozenset({"deployed", "failed", "superseded"})
VERCEL_NOT_CONFIGURED = "Vercel API not configured"
NO_FILES = "No files found in workspace to deploy"


def deployment_subject(project_id: str) -> str:
    return aggregate_subject(DEPLOYMENT, project_id)


class _DeploymentEvent(Event):
    aggregate_kind: ClassVar[str] = DEPLOYMENT
    aggregate_field: ClassVar[str] = "project_id"

    project_id: str
    deployment_id: str


class DeploymentRequested(_DeploymentEvent):
    """A deployment was asked for; it starts at ``not_before`` (the debounce) at the earliest."""

    type_name: ClassVar[str] = "deployment.requested"

    user_id: str
    sandbox_id: str
    app_type: AppType = "web"
    project_name: str  # the project's display name: the Vercel name derives from it
    not_before: datetime
    synchronous: bool = False  # a redeploy whose caller waits for the outcome


class DeploymentSuperseded(_DeploymentEvent):
    type_name: ClassVar[str] = "deployment.superseded"

    by_deployment_id: str


class DeploymentStarted(_DeploymentEvent):
    type_name: ClassVar[str] = "deployment.started"

    worker: str  # instance id of the worker executing it
    attempt: int = 1


class DeploymentResumed(_DeploymentEvent):
    """A worker took over a deployment whose worker stopped answering mid-way."""

    type_name: ClassVar[str] = "deployment.resumed"

    worker: str
    attempt: int


class DeploymentFilesCollected(_DeploymentEvent):
    type_name: ClassVar[str] = "deployment.files_collected"

    file_count: int
    binary_count: int
    total_bytes: int


class DeploymentCreated(_DeploymentEvent):
    """Vercel accepted the deployment (it builds on its own); ``url`` has no scheme."""

    type_name: ClassVar[str] = "deployment.created"

    vercel_project_id: str
    vercel_project_name: str
    vercel_deployment_id: str
    url: str
    ready_state: str = "QUEUED"


class DeploymentProgressed(_DeploymentEvent):
    """Vercel reported a new ``readyState`` that is not final yet (QUEUED, INITIALIZING, BUILDING)."""

    type_name: ClassVar[str] = "deployment.progressed"

    ready_state: str


class DeploymentRetrying(_DeploymentEvent):
    type_name: ClassVar[str] = "deployment.retrying"

    attempt: int  # the attempt that failed
    error: str
    retry_in_seconds: float


class DeploymentSucceeded(_DeploymentEvent):
    type_name: ClassVar[str] = "deployment.succeeded"

    vercel_deployment_id: str
    url: str
    ready_state: str = "READY"
    ready_at: datetime | None = None


class DeploymentFailed(_DeploymentEvent):
    type_name: ClassVar[str] = "deployment.failed"

    error: str
    ready_state: str | None = None  # ERROR / CANCELED when Vercel said so


# ---------------------------------------------------------------------------- commands


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeploymentAccepted(_Reply):
    deployment_id: str
    status: Literal["deploying"] = "deploying"


class DeploymentOutcome(_Reply):
    deployment_id: str
    state: DeploymentState
    vercel_deployment_id: str | None = None
    url: str | None = None  # no scheme
    message: str = ""


class DeploymentSettings(_Reply):
    vercel_configured: bool


class RequestDeployment(Command):
    """Record a deployment request (the caller checked ownership and the plan limit).

    Errors: ``unavailable`` "Vercel API not configured"; ``invalid`` "No files found in workspace
    to deploy"; ``not_found`` when the project has no sandbox. Reply: :class:`DeploymentAccepted`.
    """

    type_name: ClassVar[str] = "deployment.request"

    project_id: str
    user_id: str
    project_name: str
    app_type: AppType = "web"


class Redeploy(RequestDeployment):
    """The same steps without the debounce; answered when Vercel's build is final.
    Reply: :class:`DeploymentOutcome` (state ``deployed`` or ``failed``)."""

    type_name: ClassVar[str] = "deployment.redeploy"

    def reply_timeout(self, default: float) -> float:
        return max(default, REDEPLOY_REPLY_SECONDS)


class GetDeploymentSettings(Command):
    """Whether a Vercel token is configured. Reply: :class:`DeploymentSettings`."""

    type_name: ClassVar[str] = "deployment.settings"


REPLIES: dict[type[Command], type[BaseModel]] = {
    RequestDeployment: DeploymentAccepted,
    Redeploy: DeploymentOutcome,
    GetDeploymentSettings: DeploymentSettings,
}
COMMANDS: tuple[type[Command], ...] = tuple(REPLIES)
EVENTS: tuple[type[Event], ...] = (
    DeploymentRequested,
    DeploymentSuperseded,
    DeploymentStarted,
    DeploymentResumed,
    DeploymentFilesCollected,
    DeploymentCreated,
    DeploymentProgressed,
    DeploymentRetrying,
    DeploymentSucceeded,
    DeploymentFailed,
)


def reply_result(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def parse_reply(command: type[Command] | Command, reply: CommandReply) -> Any:
    model = command if isinstance(command, type) else type(command)
    if not reply.ok:
        raise ValueError(f"{model.type_name} failed: {reply.error}")
    return REPLIES[model].model_validate(reply.result)
