"""Path ids: anything that is not a UUID names nothing, so it answers 404 (not 422)."""

from __future__ import annotations

from cheatcode_api.domain.ids import canonical_uuid
from cheatcode_api.handlers import NotFoundError


def uuid_or_404(value: str, detail: str) -> str:
    canonical = canonical_uuid(value)
    if canonical is None:
        raise NotFoundError(detail)
    return canonical
