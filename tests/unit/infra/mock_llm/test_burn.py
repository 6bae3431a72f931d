"""``[mock:burn:N]``: one call, a short text plus ``complete``, usage of exactly N tokens."""

from __future__ import annotations

import json

import httpx

from cheatcode_infra.mock_llm.app import create_app
from cheatcode_infra.mock_llm.scenarios import next_reply


def test_burn_answers_text_and_complete_once() -> None:
    reply = next_reply([{"role": "user", "content": "spend [mock:burn:60000] please"}])
    assert reply.text and [c.name for c in reply.tool_calls] == ["complete"] and reply.total_tokens == 60_000


async def test_burn_reports_exactly_n_total_tokens_streamed_and_not() -> None:
    body = {"model": "mock-model", "messages": [{"role": "user", "content": "[mock:burn:60000]"}]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://mock") as http:
        plain = (await http.post("/v1/chat/completions", json=body)).json()
        streamed = await http.post(
            "/v1/chat/completions", json={**body, "stream": True, "stream_options": {"include_usage": True}}
        )
    assert plain["usage"]["total_tokens"] == 60_000
    assert plain["usage"]["prompt_tokens"] + plain["usage"]["completion_tokens"] == 60_000
    chunks = [json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data: {")]
    usage = [c["usage"] for c in chunks if c.get("usage")]
    assert usage == [plain["usage"]]


def test_burn_with_a_call_count_lists_files_then_completes() -> None:
    conversation: list[dict[str, object]] = [{"role": "user", "content": "[mock:burn:1000:3]"}]
    names = []
    for step in range(3):
        reply = next_reply(conversation)  # type: ignore[arg-type]
        assert reply.total_tokens == 1000
        names.append(reply.tool_calls[0].name)
        conversation.append({"role": "tool", "tool_call_id": f"c{step}", "content": "ok"})
    assert names == ["list_files", "list_files", "complete"]
