"""Exceptions → ``{"detail": ...}`` responses. Client mistakes never become 500s."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from cheatcode_api.handlers import NotFoundError
from cheatcode_api.ports.auth import VerifierUnavailableError
from cheatcode_api.ports.commands import CommandBusUnavailableError, CommandRejectedError
from cheatcode_api.ports.read_models import ReadModelLagError
from cheatcode_contracts import ErrorCode

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


def rejection_response(error: CommandRejectedError) -> JSONResponse:
    status = STATUS_FOR_CODE.get(error.code, 500)
    if error.code is ErrorCode.FORBIDDEN:
        detail = "Not found"
    elif status == 500:
        detail = "Internal server error"
    else:
        detail = error.detail
    return JSONResponse({"detail": detail}, status_code=status)


def _detail(status: int, detail: object, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _not_found(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NotFoundError)
    return _detail(404, error.detail)


async def _rejected(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CommandRejectedError)
    if error.code is ErrorCode.INTERNAL:
        log.error("command rejected as internal error: %s", error.detail)
    return rejection_response(error)


async def _unavailable(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CommandBusUnavailableError)
    return _detail(503, f"{error.service} service unavailable", {"Retry-After": "1"})


async def _lagging(_: Request, error: Exception) -> JSONResponse:
    log.warning("read-your-writes wait timed out: %s", error)
    return _detail(
        503, "The read model is catching up; the change was accepted, retry the read shortly", {"Retry-After": "1"}
    )


async def _verifier_unavailable(_: Request, error: Exception) -> JSONResponse:
    log.error("token verification unavailable: %s", error)
    return _detail(503, "Authentication is temporarily unavailable", {"Retry-After": "5"})


async def _invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ValidationError)
    return _detail(422, error.errors(include_url=False, include_context=False, include_input=False))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return _detail(500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(CommandRejectedError, _rejected)
    app.add_exception_handler(CommandBusUnavailableError, _unavailable)
    app.add_exception_handler(ReadModelLagError, _lagging)
    app.add_exception_handler(VerifierUnavailableError, _verifier_unavailable)
    app.add_exception_handler(ValidationError, _invalid)
    app.add_exception_handler(Exception, _unexpected)
