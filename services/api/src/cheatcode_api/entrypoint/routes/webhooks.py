"""``POST /api/webhooks/polar``: no user auth, the Standard Webhooks signature is the authentication.

The raw body and the three signature headers go to billing, which verifies them with the secret
only it holds. 403 on a bad, missing or stale signature; 200 ``{"status": "success"}`` once a
verified delivery is applied (or recognised as a redelivery, or ignored as an unknown type).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from cheatcode_api.entrypoint.deps import Deps
from cheatcode_api.handlers import billing_payments as payments

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 512 * 1024  # Polar's subscription payloads are a few KiB
INVALID_SIGNATURE = "Invalid signature"


@router.post("/webhooks/polar")
async def polar_webhook(request: Request, deps: Deps) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status_code=413, detail="Webhook body too large")
    webhook_id = request.headers.get("webhook-id", "")
    timestamp = request.headers.get("webhook-timestamp", "")
    signature = request.headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signature) or len(webhook_id) > 256 or len(signature) > 4096:
        raise HTTPException(status_code=403, detail=INVALID_SIGNATURE)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(status_code=400, detail="Webhook body is not UTF-8 JSON") from None
    outcome = await payments.polar_webhook(deps, text, webhook_id, timestamp, signature)
    if not outcome.verified:
        raise HTTPException(status_code=403, detail=INVALID_SIGNATURE)
    return {"status": "success"}
