"""Read-your-writes in one process: positions are reported by whoever applies the events."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from cheatcode_api.ports.read_models import CheckpointWaiter, ReadModelLagError


class InMemoryCheckpointWaiter(CheckpointWaiter):
    def __init__(self, *, default_timeout: float = 1.0) -> None:
        self._known: dict[str, int] = {}
        self._default_timeout = default_timeout
        self._advanced = asyncio.Event()

    def observe(self, names: Iterable[str], position: int) -> None:
        for name in names:
            self._known[name] = max(self._known.get(name, 0), position)
        advanced, self._advanced = self._advanced, asyncio.Event()
        advanced.set()

    async def checkpoint(self, projection: str) -> int:
        return self._known.get(projection, 0)

    async def wait_for(self, projection: str, position: int, *, within: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self._default_timeout if within is None else within)
        while self._known.get(projection, 0) < position:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ReadModelLagError(projection, position)
            try:
                await asyncio.wait_for(self._advanced.wait(), remaining)
            except TimeoutError:
                continue
