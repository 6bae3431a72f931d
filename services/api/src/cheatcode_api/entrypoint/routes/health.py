"""``GET /api/health`` and ``GET /api/health/deep`` (no auth)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cheatcode_api.entrypoint.deps import ContainerDep
from cheatcode_api.entrypoint.schemas import health_ok
from cheatcode_api.handlers.health import deep_health

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(container: ContainerDep) -> dict[str, Any]:
    return health_ok(container.settings.instance_id, datetime.now(UTC))


@router.get("/health/deep")
async def health_deep(container: ContainerDep) -> JSONResponse:
    body = await deep_health(container.health_probes, container.settings.instance_id)
    return JSONResponse(body, status_code=503 if body["overall_status"] == "critical" else 200)
