"""The sandbox port: one typed request to the project's sandbox, answered by the sandbox service."""

from __future__ import annotations

from abc import ABC, abstractmethod

from pydantic import BaseModel

from cheatcode_contracts import Command, ErrorCode


class SandboxError(Exception):
    """The sandbox refused or failed the request; ``detail`` is safe to show the model."""

    def __init__(self, detail: str, code: ErrorCode | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class SandboxPort(ABC):
    @abstractmethod
    async def call(self, command: Command, *, wait: float) -> BaseModel:
        """Send one ``cheatcode_contracts.sandbox`` command; its typed reply (``REPLIES``).

        Raises SandboxError on a failure reply or when no answer comes within ``wait`` seconds.
        """
