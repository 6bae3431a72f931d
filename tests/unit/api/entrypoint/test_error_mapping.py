"""Command error codes → HTTP statuses; forbidden reveals nothing."""

from __future__ import annotations

import json

import pytest

from cheatcode_api.entrypoint.errors import rejection_response
from cheatcode_api.ports.commands import CommandRejectedError
from cheatcode_contracts import ErrorCode


@pytest.mark.parametrize(
    ("code", "status", "detail"),
    [
        (ErrorCode.NOT_FOUND, 404, "project p not found"),
        (ErrorCode.FORBIDDEN, 404, "Not found"),
        (ErrorCode.CONFLICT, 409, "project p not found"),
        (ErrorCode.INVALID, 422, "project p not found"),
        (ErrorCode.UNAVAILABLE, 503, "project p not found"),
        (ErrorCode.INTERNAL, 500, "Internal server error"),
    ],
)
def test_rejections_map_to_statuses(code: ErrorCode, status: int, detail: str) -> None:
    response = rejection_response(CommandRejectedError(code, "project p not found"))
    assert response.status_code == status
    assert json.loads(bytes(response.body)) == {"detail": detail}
