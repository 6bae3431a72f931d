"""``GET /api/feature-flags[/{flag_name}]`` (reference §15): no auth; mounted only when
``FEATURE_FLAGS_ENABLED=true`` (``create_app`` includes this router only then)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cheatcode_api.entrypoint.deps import ContainerDep

router = APIRouter(tags=["feature-flags"])


@router.get("/feature-flags")
async def list_flags(container: ContainerDep) -> dict[str, Any]:
    flags = container.feature_flags
    if flags is None:
        return {"flags": {}}
    return {"flags": {name: value.enabled for name, value in sorted(flags.all().items())}}


@router.get("/feature-flags/{flag_name}")
async def get_flag(flag_name: str, container: ContainerDep) -> dict[str, Any]:
    value = container.feature_flags.get(flag_name) if container.feature_flags else None
    return {
        "flag_name": flag_name,
        "enabled": value.enabled if value else False,
        "details": value.details() if value else None,
    }
