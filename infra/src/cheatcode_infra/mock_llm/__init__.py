"""A deterministic OpenAI-compatible model server for offline runs and tests (``cheatcode mock-llm``)."""

from cheatcode_infra.mock_llm.app import MOCK_MODEL_ID, create_app
from cheatcode_infra.mock_llm.scenarios import Reply, ToolCall, next_reply

__all__ = ["MOCK_MODEL_ID", "Reply", "ToolCall", "create_app", "next_reply"]
