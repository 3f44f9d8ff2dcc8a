"""Timing of the jiliang.stats core: one line per case, median wall and CPU time of repeats.

Run: .venv/bin/python benchmarks/stats_bench.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from jiliang.stats import (
    BinnedReliability,
    LabResult,
    attribute_plan,
    draw_sample,
    evaluate_comparison,
    interval_a3,
    interval_s2,
)


def bench(name: str, fn: Callable[[], object], repeat: int = 5) -> None:
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(
        f"{name:<58} wall {statistics.median(wall) * 1e3:9.2f} ms"
        f"   cpu {statistics.median(cpu) * 1e3:9.2f} ms"
    )


def run_labs(labs: list[LabResult], n_labs: int) -> None:
    for method in ("weighted-mean", "dersimonian-laird", "pmm"):
        bench(f"comparison {method}, {n_labs} labs", lambda m=method: evaluate_comparison(labs, m))
    bench(
        f"comparison procedure-b, {n_labs} labs, 100000 trials",
        lambda: evaluate_comparison(labs, "procedure-b"),
        repeat=3,
    )
    bench(
        f"comparison algorithm-a, {n_labs} labs, 20000 trials",
        lambda: evaluate_comparison(labs, "algorithm-a"),
        repeat=3,
    )


def main() -> None:
    rng = np.random.default_rng(0)
    for n_labs in (10, 50):
        labs = [
            LabResult(f"L{i}", float(rng.normal(100, 1)), float(rng.uniform(0.5, 2)))
            for i in range(n_labs)
        ]
        run_labs(labs, n_labs)
    results = [1] * 15 + [0] * 5
    bench("interval a3, 20 results", lambda: interval_a3(results, 365, 0.95))
    t = tuple(float(v) for v in np.linspace(60, 480, 8))
    data = BinnedReliability(t, (200,) * 8, tuple(round(np.exp(-v / 900) * 200) / 200 for v in t))
    bench("interval s2, 8 bins, 10 models", lambda: interval_s2(data, 0.9), repeat=3)
    bench("plan binomial p1=1% p2=7% (n=109)", lambda: attribute_plan(0.01, 0.05, 0.07, 0.05))
    bench(
        "plan hypergeometric lot=10000",
        lambda: attribute_plan(0.01, 0.05, 0.07, 0.05, lot=10_000),
    )
    bench(
        "plan binomial p1=0.1% p2=0.5% (large n)",
        lambda: attribute_plan(0.001, 0.05, 0.005, 0.05),
    )
    ids = [f"M{i:07d}" for i in range(1_000_000)]
    bench("draw 200 of 1000000 meter IDs", lambda: draw_sample(ids, 200, "lot-1"), repeat=3)


if __name__ == "__main__":
    main()
