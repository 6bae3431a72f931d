"""Reference §6 rules for the OpenRouter catalog, on a provider answer built here."""

from __future__ import annotations

from typing import Any

from cheatcode_api.domain.model_catalog import (
    FALLBACK_MODELS,
    choose_default,
    from_openai_compatible,
    from_openrouter,
    with_default,
)


def raw(model_id: str, created: int, context: int = 200_000, **extra: Any) -> dict[str, Any]:
    return {"id": model_id, "name": model_id.upper(), "created": created, "context_length": context, **extra}


def test_openrouter_models_are_filtered_sorted_and_capped_per_provider() -> None:
    payload = {
        "data": [
            raw("anthropic/claude-old", 1),
            raw("anthropic/claude-sonnet-4.5", 50, description="Fast and smart. Second sentence."),
            raw("anthropic/claude-opus-4.5", 40),
            raw("anthropic/claude-haiku-4.5", 30),
            raw("openai/gpt-5:free", 99),
            raw("openai/gpt-5:extended", 98),
            raw("openai/gpt-tiny", 97, context=8_000),
            raw("unknown-lab/model", 96),
            raw("x-ai/grok-code-fast-1", 60, pricing={"prompt": "0.0000002", "completion": "0.0000015"},
                top_provider={"max_completion_tokens": 10_000}),
        ]
    }  # fmt: skip
    models = from_openrouter(payload)
    assert [m["id"] for m in models] == ["grok-code-fast-1", "claude-sonnet-4.5", "claude-opus-4.5", "claude-haiku-4.5"]
    grok = models[0]
    assert grok["openrouter_id"] == "openrouter/x-ai/grok-code-fast-1" and grok["provider"] == "xAI"
    assert grok["cost_input_per_1k"] == 0.0002 and grok["cost_output_per_1k"] == 0.0015
    assert grok["max_tokens"] == 10_000 and models[1]["max_tokens"] == 8192
    assert models[1]["description"] == "Fast and smart."
    assert models[1]["context_window"] == 200_000


def test_default_prefers_the_configured_model_then_the_newest_sonnet() -> None:
    models = from_openrouter({"data": [raw("google/gemini-3-pro", 9), raw("anthropic/claude-sonnet-4.5", 5)]})
    assert choose_default(models, "gemini-3-pro") == "gemini-3-pro"
    assert choose_default(models, "not-listed") == "claude-sonnet-4.5"
    assert choose_default([], None) is None


def test_exactly_one_model_is_flagged_default() -> None:
    catalog = with_default(list(FALLBACK_MODELS), None)
    assert catalog["default_model_id"] == "claude-sonnet-4.5"
    assert [m["id"] for m in catalog["models"] if m["default"]] == ["claude-sonnet-4.5"]


def test_a_local_openai_compatible_server_lists_its_models_first_one_default() -> None:
    models = from_openai_compatible({"data": [{"id": "cheatcode-mock", "owned_by": "cheatcode"}, {"bad": 1}]})
    catalog = with_default(models, None)
    assert catalog["default_model_id"] == "cheatcode-mock"
    assert catalog["models"][0]["openrouter_id"] == "cheatcode-mock"
