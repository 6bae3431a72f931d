"""``GET /api/models/available`` — no auth, as the original (the frontend calls it without a token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from cheatcode_api.adapters.model_catalog import ModelCatalog, ModelSettings
from cheatcode_api.entrypoint.deps import ContainerDep

router = APIRouter(tags=["models"])


def catalog_of(request: Request, container: ContainerDep) -> ModelCatalog:
    """One catalog per app, made on first use (it caches across requests)."""
    catalog: ModelCatalog | None = getattr(request.app.state, "model_catalog", None)
    if catalog is None:
        catalog = request.app.state.model_catalog = ModelCatalog(ModelSettings(), container.js)
    return catalog


@router.get("/models/available")
async def available_models(request: Request, container: ContainerDep) -> dict[str, Any]:
    return await catalog_of(request, container).available()
