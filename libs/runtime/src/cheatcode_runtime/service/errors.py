"""Compatibility: the domain errors live in ``cheatcode_runtime.errors`` (no faststream import)."""

from cheatcode_runtime.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable

__all__ = ["Conflict", "DomainError", "Forbidden", "Invalid", "NotFound", "Unavailable"]
