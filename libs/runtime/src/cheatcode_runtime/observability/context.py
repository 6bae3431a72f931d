"""Who and what a log line is about: the user and run of the work in progress.

Set where the work starts (an HTTP request, a command, a run) and read by the JSON log
formatter; contextvars follow the work into the tasks it starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

user_id: ContextVar[str | None] = ContextVar("cheatcode_user_id", default=None)
run_id: ContextVar[str | None] = ContextVar("cheatcode_run_id", default=None)


@contextmanager
def bound(*, user: str | None = None, run: str | None = None) -> Iterator[None]:
    """Within the block, log lines name ``user`` and ``run`` (``None`` keeps the outer value)."""
    tokens = []
    if user is not None:
        tokens.append((user_id, user_id.set(user)))
    if run is not None:
        tokens.append((run_id, run_id.set(run)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
