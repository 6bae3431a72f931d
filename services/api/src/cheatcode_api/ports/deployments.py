"""Reading the deployment read models (and the project facts the deploy routes check)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DeployableProject:
    project_id: str
    user_id: str
    name: str
    app_type: str


@dataclass(frozen=True)
class ProjectDeploymentRow:
    project_id: str
    user_id: str
    latest_deployment_id: str | None
    vercel_project_name: str | None
    last_deployment_id: str | None  # Vercel's id
    url: str | None


@dataclass(frozen=True)
class DeploymentRow:
    deployment_id: str
    project_id: str
    state: str
    message: str
    vercel_deployment_id: str | None
    url: str | None
    raw_state: str | None
    error: str | None
    requested_at: datetime
    created_at: datetime | None
    ready_at: datetime | None


class DeploymentReads(ABC):
    @abstractmethod
    async def project(self, project_id: str) -> DeployableProject | None: ...

    @abstractmethod
    async def summary(self, project_id: str) -> ProjectDeploymentRow | None: ...

    @abstractmethod
    async def deployment(self, deployment_id: str) -> DeploymentRow | None: ...

    @abstractmethod
    async def deployed_projects(self, user_id: str) -> int:
        """How many of the user's projects have a Vercel deployment (the plan limit counts these)."""
