"""Which sandbox-service replicas are alive (so a dead host's sandboxes can be taken over)."""

from __future__ import annotations

from abc import ABC, abstractmethod


class HostDirectory(ABC):
    @abstractmethod
    async def is_alive(self, instance_id: str) -> bool:
        """True if the replica ``instance_id`` answers now."""
