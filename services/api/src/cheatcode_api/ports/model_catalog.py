"""Where ``GET /api/models/available`` gets the models a user may pick."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class ModelCatalog(ABC):
    @abstractmethod
    async def available(self) -> dict[str, Any]:
        """The catalog as the route answers it (``models``, ``default_model``, ...). Never raises:
        an unreachable source falls back to the built-in list."""
