"""Every exception → one ``{"detail": ...}`` response, in one place.

- :class:`~cheatcode_api.handlers.errors.ApiError` carries its own status (4xx, 502, 503).
- A command's error reply maps by its code (``STATUS_FOR_CODE``); forbidden reads as not found.
- A dependency that is down is 503 with a detail naming it (``UNAVAILABLE``), never a 500.
- Anything else is a bug: logged with its traceback, answered with a generic 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from cheatcode_api.handlers.errors import ApiError
from cheatcode_api.ports.auth import VerifierUnavailableError
from cheatcode_api.ports.commands import CommandBusUnavailableError, CommandRejectedError, MessagingUnavailableError
from cheatcode_api.ports.read_models import ReadModelLagError, ReadModelUnavailableError
from cheatcode_contracts import ErrorCode
from cheatcode_runtime.eventstore import EventStoreUnavailableError

log = logging.getLogger(__name__)

# forbidden is 404 on purpose: another user's resource must look exactly like a missing one.
STATUS_FOR_CODE: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.INVALID: 422,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

MESSAGING_DOWN = "Messaging (NATS) is unavailable, so the event store cannot be reached; retry shortly"
READ_MODELS_DOWN = "The read-model database (PostgreSQL) is unavailable; retry shortly"
LAGGING = "The read model is catching up; the change was accepted, retry the read shortly"
AUTH_DOWN = "Authentication is temporarily unavailable"

# Most specific first: the first class an error is an instance of decides.
UNAVAILABLE: list[tuple[type[Exception], Callable[[Exception], str], str]] = [
    (MessagingUnavailableError, lambda _: MESSAGING_DOWN, "1"),
    (EventStoreUnavailableError, lambda _: MESSAGING_DOWN, "1"),
    (CommandBusUnavailableError, lambda error: f"{getattr(error, 'service', 'the owning')} service unavailable", "1"),
    (ReadModelUnavailableError, lambda _: READ_MODELS_DOWN, "2"),
    (ReadModelLagError, lambda _: LAGGING, "1"),
    (VerifierUnavailableError, lambda _: AUTH_DOWN, "5"),
]


def _detail(status: int, detail: object, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def rejection_response(error: CommandRejectedError) -> JSONResponse:
    status = STATUS_FOR_CODE.get(error.code, 500)
    if error.code is ErrorCode.FORBIDDEN:
        detail = "Not found"
    elif status == 500:
        detail = "Internal server error"
    else:
        detail = error.detail
    return _detail(status, detail, {"Retry-After": "1"} if status == 503 else None)


async def _api_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return _detail(error.status, error.detail, dict(error.extra_headers) or None)


async def _rejected(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CommandRejectedError)
    if error.code is ErrorCode.INTERNAL:
        log.error("command rejected as internal error: %s", error.detail)
    return rejection_response(error)


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    for kind, detail, retry_after in UNAVAILABLE:
        if isinstance(error, kind):
            log.warning("%s %s: 503, %s", request.method, request.url.path, error)
            return _detail(503, detail(error), {"Retry-After": retry_after})
    return await _unexpected(request, error)


async def _invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ValidationError)
    return _detail(422, error.errors(include_url=False, include_context=False, include_input=False))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return _detail(500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(CommandRejectedError, _rejected)
    for kind, _, _ in UNAVAILABLE:
        app.add_exception_handler(kind, _unavailable)
    app.add_exception_handler(ValidationError, _invalid)
    app.add_exception_handler(Exception, _unexpected)
