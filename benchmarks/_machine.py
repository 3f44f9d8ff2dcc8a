"""How fast this machine runs Python, printed beside the figures of a benchmark.

Why: the same commit measured 2x apart on two VMs of the same kind (2 cores each); a fixed
pure-Python loop timed in the same run tells a slower machine from a slower change.
"""

from __future__ import annotations

import time


def python_loop_seconds(repeat: int = 3) -> float:
    """Best of `repeat` timings of 10^7 additions in a Python loop (CPython 3.12: about
    0.4 s on a recent desktop core)."""
    best = float("inf")
    for _ in range(repeat):
        start, total = time.perf_counter(), 0
        for value in range(10_000_000):
            total += value
        best = min(best, time.perf_counter() - start)
    return best
