"""``/api/billing/payment-methods/*`` (reference §12.5): static data, a user token required."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from cheatcode_api.domain import payment_methods as pm
from cheatcode_api.entrypoint.deps import CurrentUser

router = APIRouter(prefix="/billing/payment-methods", tags=["billing"])


@router.get("/regions")
async def regions(_: CurrentUser) -> dict[str, Any]:
    return {"success": True, "regions": [{"code": code, "name": name} for code, name in pm.REGIONS]}


@router.get("/all")
async def all_methods(_: CurrentUser) -> dict[str, Any]:
    return {"success": True, "payment_methods": [{"code": code, "name": name} for code, name in pm.METHODS]}


@router.get("/region/{country_code}")
async def for_region(_: CurrentUser, country_code: str, is_subscription: bool = True) -> dict[str, Any]:
    code = country_code.upper()
    return {
        "success": True,
        "country_code": code,
        "is_subscription": is_subscription,
        "payment_methods": pm.methods_for(code, is_subscription=is_subscription),
    }


@router.post("/validate")
async def validate(
    _: CurrentUser,
    payment_methods: Annotated[list[str], Body(description="a bare JSON array of method codes")],
    country_code: Annotated[str, Query(min_length=1)],
    is_subscription: bool = True,
) -> dict[str, Any]:
    code = country_code.upper()
    result = pm.validate(payment_methods, code, is_subscription=is_subscription)
    return {
        "success": True,
        "validation": {
            "valid": result.valid,
            "supported_methods": result.supported_methods,
            "unsupported_methods": result.unsupported_methods,
            "warnings": result.warnings,
        },
        "country_code": code,
        "is_subscription": is_subscription,
    }


@router.get("/presets")
async def presets(_: CurrentUser) -> dict[str, Any]:
    return {
        "success": True,
        "presets": {
            key: {"name": pm.preset_name(key), "methods": list(methods)} for key, methods in pm.PRESETS.items()
        },
    }


@router.get("/detect")
async def detect(_: CurrentUser, request: Request) -> dict[str, Any]:
    country = pm.detect_country(request.headers)
    if country is None:
        return {
            "success": True,
            "detected_country": None,
            "payment_methods": pm.methods_for(pm.DEFAULT_REGION, is_subscription=True),
            "message": "Could not detect country from headers, using default methods",
        }
    return {
        "success": True,
        "detected_country": country,
        "payment_methods": pm.methods_for(country, is_subscription=True),
        "detection_headers": [name for name in request.headers if "country" in name.lower()],
    }
