"""``GET /api/models/available`` — no auth, as the original (the frontend calls it without a token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cheatcode_api.entrypoint.deps import ContainerDep

router = APIRouter(tags=["models"])


@router.get("/models/available")
async def available_models(container: ContainerDep) -> dict[str, Any]:
    return await container.model_catalog.available()
