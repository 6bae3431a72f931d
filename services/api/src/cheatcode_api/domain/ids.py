"""Public ids are UUIDs; anything else names nothing (404, not 422)."""

from __future__ import annotations

from uuid import UUID


def canonical_uuid(value: str) -> str | None:
    """The canonical lower-case form of a UUID string, or None when it is not one."""
    try:
        return str(UUID(value))
    except (ValueError, AttributeError, TypeError):
        return None
