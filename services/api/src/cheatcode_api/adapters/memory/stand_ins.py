"""Stand-ins with no real twin to conform to: a fixed token table, the built-in model list,
and run streams that are not there (a unit test of SSE uses the real hub on NATS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cheatcode_api.domain.model_catalog import DEFAULT_MODEL, FALLBACK_MODELS, with_default
from cheatcode_api.ports.auth import AuthenticatedUser, InvalidTokenError, TokenVerifier
from cheatcode_api.ports.model_catalog import ModelCatalog
from cheatcode_api.ports.run_streams import RunStreams

if TYPE_CHECKING:
    from cheatcode_api.streaming.client import SseClient


class TokenTableVerifier(TokenVerifier):
    """``tokens`` maps a bearer token to its user id."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self._tokens = tokens

    async def verify(self, token: str) -> AuthenticatedUser:
        user_id = self._tokens.get(token)
        if user_id is None:
            raise InvalidTokenError("unknown token")
        return AuthenticatedUser(user_id=user_id)


class BuiltInModelCatalog(ModelCatalog):
    async def available(self) -> dict[str, Any]:
        return with_default(list(FALLBACK_MODELS), DEFAULT_MODEL)


class NoRunStreams(RunStreams):
    async def is_past_terminal(self, run_id: str, after_seq: int) -> bool:
        return False

    async def open(self, run_id: str, after_seq: int) -> SseClient:
        raise RuntimeError("no run streams in this container")

    def finish_if_silent(self, client: SseClient, status: str, message: str) -> None:
        return None

    def release(self, client: SseClient) -> None:
        return None

    async def close(self) -> None:
        return None
