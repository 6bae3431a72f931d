"""When each sandbox was last used on this host, and what uses it now (in memory, per replica).

A use is a command handled here (execute, sessions, files, preview target), a sandbox start, or a
preview connection opening or closing. A use in progress (a blocking command, say) keeps the
sandbox busy however long it lasts. Like sessions, this lives as long as its host process: a
restarted host hosts nothing until a use starts a sandbox again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager


class Activity:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[str, float] = {}
        self._busy: Counter[str] = Counter()

    def touch(self, sandbox_id: str) -> None:
        self._last[sandbox_id] = self._clock()

    @contextmanager
    def using(self, sandbox_id: str) -> Iterator[None]:
        """A use that lasts: the sandbox is busy until it ends, and used when it ends."""
        self._busy[sandbox_id] += 1
        self.touch(sandbox_id)
        try:
            yield
        finally:
            self._busy[sandbox_id] -= 1
            if self._busy[sandbox_id] <= 0:
                del self._busy[sandbox_id]
            self.touch(sandbox_id)

    def idle(self, hosted: Collection[str], idle_seconds: float) -> list[str]:
        """Of ``hosted``, those nothing uses now and nothing used for ``idle_seconds``.

        A hosted sandbox never seen counts as used now (its clock starts here). Records of
        sandboxes no longer hosted and not in use are dropped.
        """
        now = self._clock()
        for sandbox_id in hosted:
            self._last.setdefault(sandbox_id, now)
        for sandbox_id in [s for s in self._last if s not in hosted and s not in self._busy]:
            del self._last[sandbox_id]
        return [s for s in hosted if self.is_idle(s, idle_seconds)]

    def is_idle(self, sandbox_id: str, idle_seconds: float) -> bool:
        last = self._last.get(sandbox_id)
        return sandbox_id not in self._busy and last is not None and self._clock() - last >= idle_seconds

    def forget(self, sandbox_id: str) -> None:
        """The sandbox stopped here: its record goes (uses still in progress keep theirs)."""
        if sandbox_id not in self._busy:
            self._last.pop(sandbox_id, None)
