"""Keeping the cyclic garbage collector from stalling the event loop under SSE fan-out.

Measured with benchmarks/bench_streaming.py (BENCH_GC=...), API process at 1,800 streams:
- CPython defaults (700, 10, 10), no freeze: full collections of 100-310 ms;
- (50000, 20, 100): rare collections but generation-0 pauses up to 70-90 ms (and a
  generation-1 pause of 233 ms once): a large young generation is slow to scan;
- (2000, 10, 100) after ``gc.freeze()``: pauses of at most ~7 ms in generations 0 and 1,
  a full collection about once a run; ~1 % CPU in total.
Freezing moves everything allocated at start-up out of the collector's sight; the hot path
allocates no cycles, so nothing piles up between collections.
"""

from __future__ import annotations

import gc

DEFAULT_THRESHOLDS = (2_000, 10, 100)


def tune_gc(thresholds: tuple[int, int, int] = DEFAULT_THRESHOLDS) -> None:
    """Call once after start-up (imports, app and connections built)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
