"""PostgreSQL cannot store U+0000 in ``text`` or ``jsonb``: refuse it at the edge, strip it in rows."""

from __future__ import annotations

from typing import Any

NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """True when ``value`` (a string, or dicts/lists of them, keys included) holds U+0000."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


def strip_nul(value: Any) -> Any:
    """``value`` with every U+0000 removed, so that an event from any source can be projected."""
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, dict):
        return {strip_nul(key): strip_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strip_nul(item) for item in value]
    return value
