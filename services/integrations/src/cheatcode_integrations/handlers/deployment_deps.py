"""What the deployment use cases need: the project repository, Vercel, the workspace, leases, timing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from cheatcode_contracts import utc_now
from cheatcode_integrations.domain.deployment import ProjectDeployments
from cheatcode_integrations.ports.locks import Leases
from cheatcode_integrations.ports.vercel import Vercel
from cheatcode_integrations.ports.workspace import Workspace
from cheatcode_runtime.eventstore import Repository


@dataclass(frozen=True)
class DeploymentTiming:
    """Workflow timing; the defaults are production's, tests shorten them."""

    debounce_seconds: float = 10.0  # a request waits this long for a newer one of the same project
    poll_seconds: float = 2.0  # how often Vercel's readyState is read while building
    follow_timeout_seconds: float = 900.0  # a build still not final after this fails
    max_attempts: int = 4  # the first try and 3 retries
    retry_backoff_seconds: tuple[float, ...] = (5.0, 20.0, 60.0)
    busy_retry_seconds: float = 2.0  # the user (or project) has another deployment running
    lease_seconds: float = 60.0  # per-user lease; renewed while a deployment runs
    redeploy_poll_seconds: float = 0.2

    def backoff(self, attempt: int) -> float:
        steps = self.retry_backoff_seconds or (1.0,)
        return steps[min(attempt - 1, len(steps) - 1)]


@dataclass(frozen=True)
class DeploymentDeps:
    repository: Repository[ProjectDeployments]
    vercel: Vercel
    workspace: Workspace
    leases: Leases
    worker_id: str
    timing: DeploymentTiming = field(default_factory=DeploymentTiming)
    clock: Callable[[], datetime] = utc_now
