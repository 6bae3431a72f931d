"""A project's deployments: state folded from ``cc.evt.deployment.<project_id>`` and the decisions (pure).

A project has at most one ``pending`` request (queued, waiting for its debounce or for the
running one) and at most one ``running`` deployment. A newer request supersedes the pending one:
that is the per-project debounce. ``last`` is the most recent finished deployment, what
``deployment/status`` shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cheatcode_contracts import Event
from cheatcode_contracts.deployments import (
    DeploymentCreated,
    DeploymentFailed,
    DeploymentFilesCollected,
    DeploymentProgressed,
    DeploymentRequested,
    DeploymentResumed,
    DeploymentRetrying,
    DeploymentStarted,
    DeploymentState,
    DeploymentSucceeded,
    DeploymentSuperseded,
)
from cheatcode_contracts.projects import AppType


@dataclass(frozen=True)
class Attempt:
    """One deployment request and how far it got."""

    deployment_id: str
    user_id: str
    sandbox_id: str
    app_type: AppType
    project_name: str
    not_before: datetime
    synchronous: bool
    state: DeploymentState = "queued"
    attempt: int = 0
    worker: str | None = None
    vercel_deployment_id: str | None = None
    vercel_project_name: str | None = None
    url: str | None = None
    ready_state: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ProjectDeployments:
    project_id: str
    pending: Attempt | None = None
    running: Attempt | None = None
    last: Attempt | None = None  # the last finished one (deployed or failed)
    vercel_project_name: str | None = None  # kept from the last successful creation
    last_deployment_id: str | None = None  # Vercel's id of the last created deployment
    superseded: frozenset[str] = frozenset()

    def apply(self, event: Event) -> ProjectDeployments:
        if isinstance(event, DeploymentRequested):
            attempt = Attempt(
                deployment_id=event.deployment_id,
                user_id=event.user_id,
                sandbox_id=event.sandbox_id,
                app_type=event.app_type,
                project_name=event.project_name,
                not_before=event.not_before,
                synchronous=event.synchronous,
            )
            return replace(self, pending=attempt)
        if isinstance(event, DeploymentSuperseded):
            pending = None if self.pending and self.pending.deployment_id == event.deployment_id else self.pending
            return replace(self, pending=pending, superseded=self.superseded | {event.deployment_id})
        if isinstance(event, DeploymentStarted):
            if self.pending is None or self.pending.deployment_id != event.deployment_id:
                return self
            running = replace(self.pending, state="preparing", attempt=event.attempt, worker=event.worker)
            return replace(self, pending=None, running=running)
        if self.running is None or self.running.deployment_id != getattr(event, "deployment_id", None):
            return self
        return self._apply_running(self.running, event)

    def _apply_running(self, running: Attempt, event: Event) -> ProjectDeployments:
        if isinstance(event, DeploymentResumed):
            return replace(self, running=replace(running, worker=event.worker, attempt=event.attempt))
        if isinstance(event, DeploymentFilesCollected):
            return replace(self, running=replace(running, state="pushing"))
        if isinstance(event, DeploymentCreated):
            created = replace(
                running,
                state="building",
                vercel_deployment_id=event.vercel_deployment_id,
                vercel_project_name=event.vercel_project_name,
                url=event.url,
                ready_state=event.ready_state,
            )
            return replace(
                self,
                running=created,
                vercel_project_name=event.vercel_project_name,
                last_deployment_id=event.vercel_deployment_id,
            )
        if isinstance(event, DeploymentProgressed):
            return replace(self, running=replace(running, ready_state=event.ready_state))
        if isinstance(event, DeploymentRetrying):
            # Back to the start: the next attempt collects files again (unless Vercel already has it).
            state: DeploymentState = "building" if running.vercel_deployment_id else "preparing"
            return replace(self, running=replace(running, state=state, error=event.error))
        if isinstance(event, DeploymentSucceeded):
            done = replace(
                running,
                state="deployed",
                vercel_deployment_id=event.vercel_deployment_id,
                url=event.url,
                ready_state=event.ready_state,
            )
            return replace(self, running=None, last=done)
        if isinstance(event, DeploymentFailed):
            failed = replace(running, state="failed", error=event.error, ready_state=event.ready_state)
            return replace(self, running=None, last=failed)
        return self

    def find(self, deployment_id: str) -> Attempt | None:
        for attempt in (self.running, self.pending, self.last):
            if attempt is not None and attempt.deployment_id == deployment_id:
                return attempt
        return None


def initial(project_id: str) -> ProjectDeployments:
    return ProjectDeployments(project_id=project_id)


def request(
    state: ProjectDeployments,
    *,
    deployment_id: str,
    user_id: str,
    sandbox_id: str,
    app_type: AppType,
    project_name: str,
    now: datetime,
    debounce: float,
    synchronous: bool = False,
) -> list[Event]:
    """A new request; a queued one it replaces is superseded (the debounce restarts with it)."""
    events: list[Event] = []
    if state.pending is not None:
        events.append(
            DeploymentSuperseded(
                project_id=state.project_id,
                deployment_id=state.pending.deployment_id,
                by_deployment_id=deployment_id,
            )
        )
    events.append(
        DeploymentRequested(
            project_id=state.project_id,
            deployment_id=deployment_id,
            user_id=user_id,
            sandbox_id=sandbox_id,
            app_type=app_type,
            project_name=project_name,
            not_before=now + timedelta(seconds=0 if synchronous else debounce),
            synchronous=synchronous,
        )
    )
    return events


# ---------------------------------------------------------------------------- Vercel project names

_OUTSIDE = re.compile(r"[^a-z0-9-]")
_DASHES = re.compile(r"-{2,}")


def vercel_project_name(name: str, project_id: str) -> str:
    """§11: lowercase, other characters become ``-``, runs collapse, ends stripped, ≤ 100 chars;
    ``project-<first 8 of id>`` when nothing is left."""
    slug = _DASHES.sub("-", _OUTSIDE.sub("-", name.lower())).strip("-")[:100].strip("-")
    return slug or f"project-{project_id[:8]}"


# ---------------------------------------------------------------------------- live status


STATE_MESSAGES: dict[str, str] = {
    "queued": "Waiting to start deployment...",
    "preparing": "Starting deployment...",
    "pushing": "Collecting files...",
    "building": "Deploying to Vercel...",
}


def map_ready_state(ready_state: str | None) -> str:
    """Vercel's ``readyState`` as the frontend's state (§11, live-status rule 4)."""
    if ready_state in ("QUEUED", "BUILDING", "INITIALIZING"):
        return "building"
    if ready_state == "READY":
        return "deployed"
    if ready_state in ("ERROR", "CANCELED"):
        return "failed"
    return "unknown"
