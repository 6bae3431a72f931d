"""The bearer token the rate limiter and the idempotency middleware key on."""

from __future__ import annotations

from typing import Any

import pytest

from cheatcode_api.entrypoint.credentials import bearer_token


def scope(headers: list[tuple[bytes, bytes]], query: bytes = b"") -> dict[str, Any]:
    return {"type": "http", "headers": headers, "query_string": query}


@pytest.mark.parametrize(
    ("headers", "query", "from_query", "expected"),
    [
        ([(b"authorization", b"Bearer abc")], b"", False, "abc"),
        ([(b"authorization", b"bearer  abc ")], b"", False, "abc"),  # scheme in any case, spaces trimmed
        ([(b"authorization", b"Basic abc")], b"", False, None),
        ([(b"authorization", b"Bearer ")], b"", False, None),
        ([], b"a=1&token=xyz", True, "xyz"),  # SSE clients
        ([], b"a=1&token=xyz", False, None),  # only where the route takes it
        ([(b"authorization", b"Bearer header")], b"token=query", True, "header"),  # the header first
        ([], b"token=", True, None),
    ],
)
def test_the_token_comes_from_the_header_else_where_allowed_the_query(
    headers: list[tuple[bytes, bytes]], query: bytes, from_query: bool, expected: str | None
) -> None:
    assert bearer_token(scope(headers, query), from_query=from_query) == expected
