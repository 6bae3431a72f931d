"""``POST /api/billing/create-checkout-session`` and ``POST /api/billing/upgrade-plan`` (§12.3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from cheatcode_api.entrypoint.deps import CurrentUser, Deps
from cheatcode_api.handlers import billing_payments as payments

router = APIRouter(prefix="/billing", tags=["billing"])

HttpUrl = Annotated[str, Field(max_length=2000, pattern=r"^https?://")]


class CheckoutRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the frontend also sends cancel_url, which is ignored

    plan_id: str = Field(max_length=64)
    success_url: HttpUrl | None = None


class UpgradeRequest(BaseModel):
    new_plan_id: str = Field(max_length=64)


@router.post("/create-checkout-session")
async def create_checkout_session(body: CheckoutRequest, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    try:
        return await payments.create_checkout_session(deps, user.user_id, user.email, body.plan_id, body.success_url)
    except payments.InvalidPlanError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None


@router.post("/upgrade-plan")
async def upgrade_plan(body: UpgradeRequest, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    try:
        return await payments.upgrade_plan(deps, user.user_id, user.email, body.new_plan_id)
    except payments.InvalidPlanError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    except payments.PaymentRequired as required:
        raise HTTPException(status_code=402, detail=required.detail) from None
