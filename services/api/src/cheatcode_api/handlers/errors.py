"""Refusals a use case (or a route) raises. Each carries the HTTP status it answers with;
``entrypoint/errors.py`` turns every one into ``{"detail": ...}`` in one place.

Raise these rather than a bare ``HTTPException``: the status of each refusal is written next
to its meaning. They are Starlette ``HTTPException``s underneath, so a router mounted on a
bare app (a unit test) answers them correctly too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from starlette.exceptions import HTTPException


class ApiError(HTTPException):
    status: ClassVar[int] = 400
    extra_headers: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def __init__(self, detail: str) -> None:
        super().__init__(self.status, detail, dict(self.extra_headers) or None)
        self.detail: str = detail


class InvalidRequestError(ApiError):
    """The request is unusable as sent; nothing was changed."""

    status = 400


class UnauthorizedError(ApiError):
    status = 401
    extra_headers = MappingProxyType({"WWW-Authenticate": "Bearer"})


class AdminKeyRequiredError(ApiError):
    status = 401  # admin routes take an API key, not a bearer token: no WWW-Authenticate


class ForbiddenError(ApiError):
    status = 403


class NotFoundError(ApiError):
    """The resource does not exist for this caller (it may exist for someone else)."""

    status = 404


class TooLargeError(ApiError):
    status = 413


class UpstreamUnavailableError(ApiError):
    """Something the request is relayed to (a sandbox's preview server) did not answer."""

    status = 502


class NotConfiguredError(ApiError):
    """The server lacks the configuration this route needs."""

    status = 503
