"""A health probe per component checked by ``GET /api/health/deep``."""

from __future__ import annotations

from abc import ABC, abstractmethod

from cheatcode_api.domain.health import ComponentHealth


class HealthProbe(ABC):
    name: str

    @abstractmethod
    async def check(self) -> ComponentHealth:
        """Probe the component. Must not raise: failures are reported as a status."""
