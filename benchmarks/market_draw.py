"""Market supervision core: time of the 双随机 draw over a province-sized register and of a
prepackage lot evaluation (issue 15). Pure core, no database.

    .venv/bin/python benchmarks/market_draw.py
"""

from __future__ import annotations

import time
from decimal import Decimal

from jiliang.supervision import draw, evaluate_lot, net_values


def _best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    for size in (10_000, 100_000, 1_000_000):
        keys = [f"P{i:07d}" for i in range(size)]
        t = _best(lambda keys=keys: draw("bench-seed", "premises", keys, 50))
        print(f"draw 50 of {size:>9,} premises: {t * 1000:9.1f} ms")
    values = [Decimal("5.02")] * 121 + [Decimal("4.91")] * 4
    t = _best(lambda: evaluate_lot("5", "kg", 10_000, values), repeat=20)
    print(f"evaluate a lot (n = 125):        {t * 1000:9.2f} ms")
    t = _best(lambda: net_values(gross=[5.1] * 125, tare=0.08), repeat=20)
    print(f"gross - tare (125 values):       {t * 1000:9.2f} ms")


if __name__ == "__main__":
    main()
