"""The Vercel REST API as the deployment workflow needs it (no HTTP driver here)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cheatcode_integrations.domain.workspace_files import UploadFile


@dataclass(frozen=True)
class VercelProject:
    id: str
    name: str


@dataclass(frozen=True)
class VercelDeployment:
    id: str
    url: str  # without scheme, as Vercel gives it
    ready_state: str  # QUEUED, INITIALIZING, BUILDING, READY, ERROR, CANCELED
    created_at: datetime | None = None
    ready_at: datetime | None = None


class VercelError(Exception):
    """Vercel refused or failed. ``retryable``: a 429/5xx or a network error, worth another attempt."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class VercelNotConfiguredError(VercelError):
    def __init__(self) -> None:
        super().__init__("Vercel API not configured")


class Vercel(ABC):
    @property
    @abstractmethod
    def configured(self) -> bool:
        """False without a bearer token: every call raises :class:`VercelNotConfiguredError`."""

    @abstractmethod
    async def ensure_project(self, name: str) -> VercelProject:
        """``GET /v9/projects/{name}``; when that is not 200, ``POST /v10/projects``."""

    @abstractmethod
    async def create_deployment(self, name: str, files: Sequence[UploadFile]) -> VercelDeployment:
        """``POST /v13/deployments?forceNew=1`` (production, Next.js settings); does not wait for the build."""

    @abstractmethod
    async def get_deployment(self, deployment_id: str) -> VercelDeployment:
        """``GET /v13/deployments/{id}``."""

    async def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections."""
