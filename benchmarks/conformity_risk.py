"""Benchmark jiliang.conformity: decisions per second and global-risk integrations.

Run: .venv/bin/python benchmarks/conformity_risk.py [--decisions 100000] [--risks 200]
Prints figures; nothing is asserted (see docs/benchmarks/conformity.md).
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal

from jiliang.conformity import DecisionRule, Tolerance, decide, global_risk, specific_risk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--risks", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(1)
    tol = Tolerance.symmetric(0, 8)
    values = [Decimal(f"{rng.uniform(-10, 10):.3f}") for _ in range(args.decisions)]
    for rule in (DecisionRule.simple_acceptance(), DecisionRule.guarded_acceptance()):
        start = time.perf_counter()
        for x in values:
            decide(x, "0.5", tol, rule)
        elapsed = time.perf_counter() - start
        print(f"decide ({rule.kind}): {args.decisions / elapsed:,.0f} decisions/s")
    start = time.perf_counter()
    for x in values[: args.decisions // 10]:
        specific_risk(x, 0.25, tol)
    elapsed = time.perf_counter() - start
    print(f"specific_risk: {args.decisions // 10 / elapsed:,.0f} points/s")
    start = time.perf_counter()
    for i in range(args.risks):
        global_risk(0, 4, 1 + i / args.risks, tol)
    elapsed = time.perf_counter() - start
    print(f"global_risk (PFA + PFR, two-sided): {1000 * elapsed / args.risks:.1f} ms each")
    risk = global_risk(0, 4, 1, tol)
    print(f"Deaver case: PFA {100 * risk.false_accept:.3f} %, PFR {100 * risk.false_reject:.3f} %")


if __name__ == "__main__":
    main()
