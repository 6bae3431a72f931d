"""Keeping the cyclic garbage collector from stalling the event loop under SSE fan-out.

Measured (benchmarks/bench_streaming.py): with the defaults, full collections over a
large heap of long-lived objects pause the loop for tens of milliseconds and set the p99.
Freezing everything allocated at start-up moves it out of the collector's sight, and a
higher generation-0 threshold makes collections rarer; the hot path allocates no cycles,
so nothing piles up in between.
"""

from __future__ import annotations

import gc

DEFAULT_THRESHOLDS = (50_000, 20, 100)


def tune_gc(thresholds: tuple[int, int, int] = DEFAULT_THRESHOLDS) -> None:
    """Call once after start-up (imports, app and connections built)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
