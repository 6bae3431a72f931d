"""A project's sandbox workspace, read through the sandbox service's commands."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkspaceEntry:
    name: str
    path: str  # absolute inside the sandbox
    is_dir: bool
    size: int


class WorkspaceNotFoundError(Exception):
    """The sandbox (or the directory) does not exist."""


class WorkspaceUnavailableError(Exception):
    """The sandbox service did not answer: worth another attempt."""


class Workspace(ABC):
    @abstractmethod
    async def list_dir(self, sandbox_id: str, path: str) -> list[WorkspaceEntry]: ...

    @abstractmethod
    async def read_file(self, sandbox_id: str, path: str) -> bytes: ...
