"""Text the stores cannot hold: refuse it at the edge, strip what still arrives in rows.

PostgreSQL cannot store U+0000 in ``text`` or ``jsonb``; a lone UTF-16 surrogate (valid in
JSON as ``"\\ud800"``) has no UTF-8 encoding, so neither NATS nor PostgreSQL can take it.
"""

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


def unstorable_reason(value: Any) -> str | None:
    """Why ``value`` (strings, or dicts/lists of them, keys included) cannot be stored, or None.

    Iterative on purpose: a deeply nested body must not overflow the stack here.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return "must not contain the NUL character (U+0000)"
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError as error:
                    code = ord(item[error.start])
                    return f"must not contain a lone surrogate (U+{code:04X}); text must be valid Unicode"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return None


def strip_nul(value: Any) -> Any:
    """``value`` with every U+0000 removed, so that an event from any source can be projected."""
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, dict):
        return {strip_nul(key): strip_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strip_nul(item) for item in value]
    return value
