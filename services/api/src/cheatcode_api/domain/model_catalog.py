"""The model catalog of ``GET /api/models/available`` (reference §6): filters, mapping, default.

Pure functions over the provider's JSON, so the rules are tested without any network.
"""

from __future__ import annotations

from typing import Any

ALLOWED_PROVIDERS = frozenset(
    {
        "anthropic", "google", "openai", "x-ai", "deepseek", "qwen", "meta-llama", "mistralai",
        "moonshotai", "z-ai", "minimax", "nvidia", "amazon", "cohere", "bytedance-seed", "stepfun",
    }
)  # fmt: skip
MIN_CONTEXT = 32_000
PER_PROVIDER = 3
DEFAULT_MODEL = "claude-sonnet-4.5"
LOGO = "https://raw.githubusercontent.com/lobehub/lobe-icons/master/packages/static-png/dark/{}.png"
PROVIDER_NAMES = {"x-ai": "xAI", "z-ai": "Z.ai", "meta-llama": "Meta", "mistralai": "Mistral", "openai": "OpenAI"}
LOGO_NAMES = {"x-ai": "xai", "z-ai": "zhipu", "meta-llama": "meta", "mistralai": "mistral", "moonshotai": "moonshot"}


def _model(
    model_id: str,
    openrouter_id: str,
    name: str,
    provider_key: str,
    *,
    description: str = "",
    max_tokens: int = 8192,
    context_window: int = 128_000,
    cost_in: float = 0.0,
    cost_out: float = 0.0,
) -> dict[str, Any]:
    return {
        "id": model_id,
        "openrouter_id": openrouter_id,
        "name": name,
        "provider": PROVIDER_NAMES.get(provider_key, provider_key.replace("-", " ").title()),
        "description": description,
        "max_tokens": max_tokens,
        "context_window": context_window,
        "cost_input_per_1k": cost_in,
        "cost_output_per_1k": cost_out,
        "default": False,
        "logo_url": LOGO.format(LOGO_NAMES.get(provider_key, provider_key)),
    }


def _fallback(
    short: str, provider: str, name: str, context: int, max_tokens: int, cin: float, cout: float
) -> dict[str, Any]:
    return _model(short, f"openrouter/{provider}/{short}", name, provider, max_tokens=max_tokens,
                  context_window=context, cost_in=cin, cost_out=cout)  # fmt: skip


FALLBACK_MODELS: tuple[dict[str, Any], ...] = (
    _fallback("grok-4.1-fast", "x-ai", "Grok 4.1 Fast", 2_000_000, 30_000, 0.0002, 0.0005),
    _fallback("grok-code-fast-1", "x-ai", "Grok Code Fast", 256_000, 10_000, 0.0002, 0.0015),
    _fallback("claude-sonnet-4.5", "anthropic", "Claude Sonnet 4.5", 200_000, 64_000, 0.003, 0.015),
    _fallback("claude-opus-4.5", "anthropic", "Claude Opus 4.5", 200_000, 64_000, 0.005, 0.025),
    _fallback("gemini-3-pro-preview", "google", "Gemini 3 Pro", 1_048_576, 65_536, 0.002, 0.012),
    _fallback("gemini-2.5-pro", "google", "Gemini 2.5 Pro", 1_048_576, 65_536, 0.00125, 0.01),
    _fallback("glm-4.6", "z-ai", "GLM 4.6", 200_000, 128_000, 0.0006, 0.0022),
    _fallback("kimi-k2", "moonshotai", "Kimi K2", 131_072, 16_384, 0.0006, 0.0025),
)


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    sentence = text[: end + 1] if 0 <= end < 100 else text
    return sentence if len(sentence) <= 100 else sentence[:97].rstrip() + "..."


def _price(pricing: dict[str, Any], key: str) -> float:
    try:
        return round(float(pricing.get(key) or 0) * 1000, 8)
    except (TypeError, ValueError):
        return 0.0


def from_openrouter(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """OpenRouter's ``/models`` answer → our entries: allowlisted providers, no ``:free``/
    ``:extended`` variants, context ≥ 32k, newest first, at most 3 per provider."""
    entries = [m for m in payload.get("data", []) if isinstance(m, dict) and isinstance(m.get("id"), str)]
    entries.sort(key=lambda m: -int(m.get("created") or 0))
    per_provider: dict[str, int] = {}
    models = []
    for raw in entries:
        full_id: str = raw["id"]
        provider, _, short = full_id.partition("/")
        if provider not in ALLOWED_PROVIDERS or not short or full_id.endswith((":free", ":extended")):
            continue
        if int(raw.get("context_length") or 0) < MIN_CONTEXT or per_provider.get(provider, 0) >= PER_PROVIDER:
            continue
        per_provider[provider] = per_provider.get(provider, 0) + 1
        pricing = raw.get("pricing") or {}
        top = raw.get("top_provider") or {}
        models.append(
            _model(
                short,
                f"openrouter/{full_id}",
                str(raw.get("name") or short),
                provider,
                description=_first_sentence(str(raw.get("description") or "")),
                max_tokens=int(top.get("max_completion_tokens") or 8192),
                context_window=int(raw.get("context_length") or 0),
                cost_in=_price(pricing, "prompt"),
                cost_out=_price(pricing, "completion"),
            )
        )
    return models


def from_openai_compatible(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A local OpenAI-compatible server's ``/models`` (the mock model, Ollama, vLLM)."""
    models = []
    for raw in payload.get("data", []):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            model_id = raw["id"]
            owner = str(raw.get("owned_by") or "local")
            models.append(_model(model_id, model_id, model_id, owner, description=f"Served by {owner}"))
    return models


def choose_default(models: list[dict[str, Any]], preferred: str | None) -> str | None:
    """``preferred`` if listed, else the newest Anthropic Sonnet, the first Anthropic, the first model."""
    ids = [m["id"] for m in models]
    if preferred and preferred in ids:
        return preferred
    anthropic = [m["id"] for m in models if m["openrouter_id"].startswith("openrouter/anthropic/")]
    sonnets = [i for i in anthropic if "sonnet" in i]
    for candidates in (sonnets, anthropic, ids):
        if candidates:
            return str(candidates[0])
    return None


def with_default(models: list[dict[str, Any]], preferred: str | None) -> dict[str, Any]:
    default = choose_default(models, preferred)
    return {"models": [{**m, "default": m["id"] == default} for m in models], "default_model_id": default}
