"""The user's own OpenRouter key (reference §12.4): ``/api/billing/openrouter-key[/status|/test]``.

Billing decides everything (the byok-plan gate: 403 on any other plan, the format and live
checks: 400) and holds the key only sealed. The key is never part of a response, and request
bodies are parsed here rather than by FastAPI's validation, whose 422 errors echo their input.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, SecretStr

from cheatcode_api.entrypoint.deps import CurrentUser, Deps
from cheatcode_contracts.billing import (
    ByokKeyReply,
    CheckByokKey,
    GetByokKeyStatus,
    RemoveByokKey,
    StoreByokKey,
)

router = APIRouter(prefix="/billing/openrouter-key", tags=["billing"])

PROJECTION = "billing"
MAX_KEY_CHARS = 512
DEFAULT_NAME = "OpenRouter API Key"


class StoreKeyRequest(BaseModel):
    api_key: str
    display_name: str = DEFAULT_NAME


class TestKeyRequest(BaseModel):
    api_key: str


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def _fields(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise HTTPException(status_code=422, detail="The body must be a JSON object") from None
    if not isinstance(body, dict):
        raise HTTPException(status_code=422, detail="The body must be a JSON object")
    return body


def _api_key(body: dict[str, Any]) -> SecretStr:
    value = body.get("api_key")
    if not isinstance(value, str) or not value.strip():
        raise HTTPException(status_code=422, detail="api_key is required and must be a string")
    if len(value) > MAX_KEY_CHARS:
        raise HTTPException(status_code=400, detail="Invalid OpenRouter API key format")
    return SecretStr(value)


def _allowed(reply: ByokKeyReply) -> ByokKeyReply:
    if reply.allowed:
        return reply
    raise HTTPException(status_code=403 if reply.denial == "plan" else 400, detail=reply.message)


@router.post("", openapi_extra=_schema(StoreKeyRequest))
async def store_key(request: Request, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    body = await _fields(request)
    name = body.get("display_name", DEFAULT_NAME)
    if not isinstance(name, str):
        raise HTTPException(status_code=422, detail="display_name must be a string")
    command = StoreByokKey(user_id=user.user_id, api_key=_api_key(body), display_name=name or DEFAULT_NAME)
    response = await deps.commands.send(command)
    result = _allowed(ByokKeyReply.model_validate(response.result))
    await deps.waiter.wait_for(PROJECTION, response.position)
    return {"success": True, "message": result.message, "key_id": result.key_id}


@router.get("/status")
async def key_status(user: CurrentUser, deps: Deps) -> dict[str, Any]:
    result = _allowed(await deps.commands.ask(GetByokKeyStatus(user_id=user.user_id), ByokKeyReply))
    return {
        "has_key": result.has_key,
        "key_configured": result.key_configured,
        "display_name": result.display_name,
        "last_used_at": result.last_used_at.isoformat() if result.last_used_at else None,
        "created_at": result.created_at.isoformat() if result.created_at else None,
        "error": None,
    }


@router.delete("")
async def delete_key(user: CurrentUser, deps: Deps) -> dict[str, Any]:
    response = await deps.commands.send(RemoveByokKey(user_id=user.user_id))
    result = _allowed(ByokKeyReply.model_validate(response.result))
    await deps.waiter.wait_for(PROJECTION, response.position)
    return {"success": True, "message": result.message}


@router.post("/test", openapi_extra=_schema(TestKeyRequest))
async def test_key(request: Request, user: CurrentUser, deps: Deps) -> dict[str, Any]:
    command = CheckByokKey(user_id=user.user_id, api_key=_api_key(await _fields(request)))
    result = _allowed(await deps.commands.ask(command, ByokKeyReply))
    if result.test_success:
        return {"success": True, "message": result.message or "OpenRouter API key is valid and working", "error": None}
    return {"success": False, "message": None, "error": result.test_error}
