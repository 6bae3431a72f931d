"""Where ``/api/models/available`` gets its list: OpenRouter, a local OpenAI-compatible server, or built in.

- ``OPENROUTER_API_KEY`` set: OpenRouter's programming catalog, filtered (domain.model_catalog),
  shared by every API replica through the NATS KV bucket ``api_models`` (1 h TTL) and
  kept 30 min in process; a failed fetch falls back to the built-in list for a minute.
- else ``LLM_BASE_URL`` set (the local mock model, Ollama, vLLM): that server's ``/models``,
  the first (or ``CHEATCODE_DEFAULT_MODEL``) being the default.
- else: the built-in list.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KeyValue
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from cheatcode_api.domain.model_catalog import (
    DEFAULT_MODEL,
    FALLBACK_MODELS,
    from_openai_compatible,
    from_openrouter,
    with_default as catalog_with_default,
)
from cheatcode_api.ports.model_catalog import ModelCatalog

log = logging.getLogger(__name__)

KV_BUCKET = "api_models"
KV_KEY = "openrouter_programming"


class ModelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHEATCODE_MODELS_", extra="ignore", populate_by_name=True)

    openrouter_api_key: SecretStr | None = Field(default=None, validation_alias="OPENROUTER_API_KEY")
    openrouter_url: str = Field(default="https://openrouter.ai/api/v1", validation_alias="CHEATCODE_OPENROUTER_URL")
    llm_base_url: str | None = Field(default=None, validation_alias="LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(default=None, validation_alias="LLM_API_KEY")
    default_model: str | None = Field(default=None, validation_alias=AliasChoices("CHEATCODE_DEFAULT_MODEL"))
    cache_seconds: float = 1800.0
    failure_cache_seconds: float = 60.0
    kv_ttl_seconds: float = 3600.0
    timeout_seconds: float = 10.0


class RemoteModelCatalog(ModelCatalog):
    def __init__(self, settings: ModelSettings, js: JetStreamContext | None) -> None:
        self._settings = settings
        self._js = js
        self._kv: KeyValue | None = None
        self._cached: dict[str, Any] | None = None
        self._expires = 0.0

    async def available(self) -> dict[str, Any]:
        if self._cached is None or time.monotonic() >= self._expires:
            catalog, fresh = await self._load()
            ttl = self._settings.cache_seconds if fresh else self._settings.failure_cache_seconds
            self._cached, self._expires = catalog, time.monotonic() + ttl
        return self._cached

    async def _load(self) -> tuple[dict[str, Any], bool]:
        settings = self._settings
        try:
            if settings.openrouter_api_key is not None:
                return catalog_with_default(await self._openrouter(), settings.default_model or DEFAULT_MODEL), True
            if settings.llm_base_url:
                models = from_openai_compatible(await self._get(settings.llm_base_url, settings.llm_api_key))
                if models:
                    return catalog_with_default(models, settings.default_model), True
        except (httpx.HTTPError, ValueError) as error:
            log.warning("model catalog unavailable, using the built-in list: %r", error)
            return catalog_with_default(list(FALLBACK_MODELS), settings.default_model or DEFAULT_MODEL), False
        return catalog_with_default(list(FALLBACK_MODELS), settings.default_model or DEFAULT_MODEL), True

    async def _openrouter(self) -> list[dict[str, Any]]:
        cached = await self._kv_get()
        if cached is not None:
            return cached
        models = from_openrouter(await self._get(self._settings.openrouter_url, self._settings.openrouter_api_key))
        if not models:
            raise ValueError("OpenRouter listed no usable model")
        await self._kv_put(models)
        return models

    async def _get(self, base_url: str, key: SecretStr | None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}
        params = {"category": "programming"} if base_url == self._settings.openrouter_url else None
        async with httpx.AsyncClient(timeout=self._settings.timeout_seconds) as http:
            response = await http.get(f"{base_url.rstrip('/')}/models", headers=headers, params=params)
            response.raise_for_status()
            payload = response.json()
        if not isinstance(payload, dict):
            raise ValueError("the models endpoint did not answer an object")
        return payload

    async def _bucket(self) -> KeyValue | None:
        if self._kv is None and self._js is not None:
            try:
                self._kv = await self._js.key_value(KV_BUCKET)
            except BucketNotFoundError:
                try:
                    self._kv = await self._js.create_key_value(
                        bucket=KV_BUCKET, history=1, ttl=self._settings.kv_ttl_seconds, description="model catalog"
                    )
                except Exception as error:  # no right to create it: stay with the in-process cache
                    log.info("model catalog KV bucket unavailable: %r", error)
        return self._kv

    async def _kv_get(self) -> list[dict[str, Any]] | None:
        try:
            kv = await self._bucket()
            entry = await kv.get(KV_KEY) if kv is not None else None
        except Exception:  # missing key, expired entry, or no permission
            return None
        if entry is None or not entry.value:
            return None
        value = json.loads(entry.value)
        return value if isinstance(value, list) else None

    async def _kv_put(self, models: list[dict[str, Any]]) -> None:
        try:
            kv = await self._bucket()
            if kv is not None:
                await kv.put(KV_KEY, json.dumps(models).encode())
        except Exception as error:  # a cache write failing must not fail the request
            log.info("could not cache the model catalog in KV: %r", error)
