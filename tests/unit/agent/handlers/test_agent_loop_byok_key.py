"""A byok user's run calls the model with their own key; without one it never starts calling."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from cheatcode_agent.handlers.agent_loop import AgentLoop, RunAborted
from cheatcode_agent.ports.llm import ChatRequest
from cheatcode_agent.ports.llm_keys import BYOK_KEY_MISSING, RunKey, RunKeyUnavailableError, RunLlmKeys
from tests.unit.agent.handlers.test_agent_loop import ScriptedLlm, setup

KEY = "sk-or-v1-" + "ab" * 32


class KeysOf(RunLlmKeys):
    """Billing's answer per user, as the NATS adapter hands it over."""

    def __init__(self, answer: RunKey | None) -> None:
        self.answer = answer

    async def for_run(self, user_id: str, run_id: str) -> RunKey:
        if self.answer is None:
            raise RunKeyUnavailableError("billing could not resolve the run's LLM key: billing service unavailable")
        return self.answer


async def with_keys(answer: RunKey | None) -> tuple[AgentLoop, ScriptedLlm]:
    loop, _, _ = await setup([("done", [])])
    loop.deps = replace(loop.deps, llm_keys=KeysOf(answer))
    assert isinstance(loop.deps.llm, ScriptedLlm)
    return loop, loop.deps.llm


async def test_every_call_of_a_byok_run_carries_the_users_key_and_no_repr_shows_it() -> None:
    loop, llm = await with_keys(RunKey(byok=True, api_key=KEY))
    assert (await loop.execute()).status == "completed"
    assert [r.api_key for r in llm.requests] == [KEY]
    assert KEY not in repr(llm.requests[0]) and KEY not in repr(RunKey(byok=True, api_key=KEY))


async def test_other_plans_use_the_system_key() -> None:
    loop, llm = await with_keys(RunKey(byok=False))
    await loop.execute()
    assert [r.api_key for r in llm.requests] == [None]


@pytest.mark.parametrize(("answer", "message"), [(RunKey(byok=True), BYOK_KEY_MISSING), (None, "billing could not")])
async def test_a_byok_run_without_a_usable_key_aborts_before_any_model_call(
    answer: RunKey | None, message: str
) -> None:
    loop, llm = await with_keys(answer)
    with pytest.raises(RunAborted, match=re.escape(message)):
        await loop.execute()
    assert llm.requests == []


def test_chat_requests_hide_the_key() -> None:
    assert KEY not in repr(ChatRequest("m", [], api_key=KEY))
