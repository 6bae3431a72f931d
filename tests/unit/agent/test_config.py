"""Run settings come from the environment with the provider variables' conventional names."""

from __future__ import annotations

import pytest

from cheatcode_agent.adapters.openai_llm import OpenAiLlm, UnconfiguredLlm
from cheatcode_agent.config import RunSettings
from cheatcode_agent.entrypoint.runs import build_llm
from cheatcode_agent.ports.llm import ChatRequest, LlmError

PROVIDER_VARS = ("OPENROUTER_API_KEY", "LLM_BASE_URL", "LLM_API_KEY", "CHEATCODE_DEFAULT_MODEL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROVIDER_VARS:
        monkeypatch.delenv(name, raising=False)


def test_openrouter_key_wins_and_picks_its_default_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or")
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CHEATCODE_RUN_ACK_WAIT", "7.5")
    settings = RunSettings()
    assert settings.default_model == "anthropic/claude-sonnet-4.5" and settings.ack_wait == 7.5
    assert isinstance(build_llm(settings), OpenAiLlm)


def test_a_compatible_server_uses_the_configured_default_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CHEATCODE_DEFAULT_MODEL", "qwen2.5-coder")
    settings = RunSettings()
    assert (settings.llm_base_url, settings.default_model) == ("http://127.0.0.1:9/v1", "qwen2.5-coder")
    assert settings.limits().max_iterations == 50 and settings.limits().max_duration == 1200


async def test_no_provider_means_runs_fail_clearly() -> None:
    settings = RunSettings()
    assert settings.default_model == "mock-model"
    llm = build_llm(settings)
    assert isinstance(llm, UnconfiguredLlm)
    with pytest.raises(LlmError, match="no model provider configured"):
        await anext(llm.stream(ChatRequest("m", [])))
