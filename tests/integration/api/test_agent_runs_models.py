"""The model catalog against local protocol doubles of OpenRouter and the mock model, and NATS KV."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from nats.aio.client import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cheatcode_api.adapters.model_catalog import KV_BUCKET, ModelSettings, RemoteModelCatalog
from cheatcode_infra.free_ports import free_port
from cheatcode_infra.mock_llm.app import create_app as mock_llm_app
from tests.integration.api.streaming.sse import serve

pytestmark = pytest.mark.integration


class OpenRouterDouble:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.failing = False
        self.app = Starlette(routes=[Route("/api/v1/models", self.models)])

    async def models(self, request: Request) -> Response:
        self.calls.append(
            {"auth": request.headers.get("authorization"), "category": request.query_params.get("category")}
        )
        if self.failing:
            return Response(status_code=502)
        data = [
            {"id": "anthropic/claude-sonnet-4.5", "name": "Claude Sonnet 4.5", "created": 2, "context_length": 200000},
            {"id": "qwen/qwen3-coder:free", "name": "free", "created": 3, "context_length": 200000},
        ]
        return JSONResponse({"data": data})


async def test_openrouter_catalog_is_fetched_with_the_key_and_shared_through_kv(nats_client: Client) -> None:
    js = nats_client.jetstream()
    double = OpenRouterDouble()
    async with serve(double.app) as url:
        settings = ModelSettings(openrouter_api_key="sk-or-test", openrouter_url=f"{url}/api/v1")
        first = await RemoteModelCatalog(settings, js).available()
        assert [m["id"] for m in first["models"]] == ["claude-sonnet-4.5"]
        assert first["default_model_id"] == "claude-sonnet-4.5"
        assert double.calls == [{"auth": "Bearer sk-or-test", "category": "programming"}]
        double.failing = True  # another replica, OpenRouter down: the KV copy answers
        second = await RemoteModelCatalog(settings, js).available()
        assert second == first and len(double.calls) == 1
    await js.delete_key_value(KV_BUCKET)


async def test_an_unreachable_provider_falls_back_to_the_built_in_list() -> None:
    settings = ModelSettings(openrouter_api_key="sk-or-test", openrouter_url=f"http://127.0.0.1:{free_port()}/api/v1")
    catalog = await RemoteModelCatalog(settings, None).available()
    assert catalog["default_model_id"] == "claude-sonnet-4.5"
    assert len(catalog["models"]) == 8


async def test_with_the_local_mock_model_its_models_are_listed_and_default() -> None:
    async with serve(mock_llm_app()) as url:
        settings = ModelSettings(llm_base_url=f"{url}/v1", llm_api_key="mock")
        catalog = await RemoteModelCatalog(settings, None).available()
        async with httpx.AsyncClient() as http:
            served = (await http.get(f"{url}/v1/models")).json()["data"]
    assert [m["id"] for m in catalog["models"]] == [m["id"] for m in served]
    assert catalog["default_model_id"] == served[0]["id"]
