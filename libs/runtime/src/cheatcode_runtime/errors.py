"""Domain errors a handler raises; each becomes a ``CommandReply.failure`` with its code.

This module imports nothing but the contracts, so pure domain code can raise them without
loading the service runtime (faststream, nats).
"""

from __future__ import annotations

from typing import ClassVar

from cheatcode_contracts import ErrorCode


class DomainError(Exception):
    """A rule refused the command. ``detail`` is safe to show to the caller."""

    code: ClassVar[ErrorCode] = ErrorCode.INVALID

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The target does not exist, or the caller may not know that it does."""

    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class Invalid(DomainError):
    code = ErrorCode.INVALID


class Unavailable(DomainError):
    """A dependency is down; the caller may retry later."""

    code = ErrorCode.UNAVAILABLE
