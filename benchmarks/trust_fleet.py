"""Benchmark a tariff campaign: one regulator-signed package pushed to N simulated meters.

Run: .venv/bin/python benchmarks/trust_fleet.py [--meters 30000]
Each meter verifies the Ed25519 signature itself, checks scope and version, applies the
tariff and writes its event-log entry.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

from jiliang.taximeter import (
    Scope,
    TariffPackage,
    TariffParameters,
    apply_to_fleet,
    make_fleet,
    seal_discrepancies,
    sign_package,
)
from jiliang.trust import KeyEntry, KeyRing, SignerKey


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=30_000)
    args = parser.parse_args()
    regulator = SignerKey.generate("samr.example/tariff")
    keys = KeyRing([KeyEntry(regulator.verifier(), role="regulator")])
    base = TariffParameters(
        start_fare="13", start_distance_m=3000, fare_step_distance_m=500, price_per_km="2.3",
        waiting_price_per_min="0.5", night_surcharge_percent="20", crossover_speed_kmh="12",
        k_pulses_per_km=1000,
    )  # fmt: skip
    new = TariffParameters(**{**base.to_json_value(), "start_fare": "14", "price_per_km": "2.5"})
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    meters = make_fleet(args.meters, "SH-A", base, keys)
    t1 = time.perf_counter()
    c1 = time.process_time()
    signed = sign_package(TariffPackage(Scope("fleet", "SH-A"), 1, now, new), regulator)
    result = apply_to_fleet(meters, signed, now)
    t2 = time.perf_counter()
    c2 = time.process_time()
    expected = new.parameter_hash()
    broken = sum(1 for m in meters if seal_discrepancies(m.report(), 1, expected, 1))
    t3 = time.perf_counter()
    c3 = time.process_time()
    replay = apply_to_fleet(meters, signed, now)
    t4 = time.perf_counter()
    c4 = time.process_time()
    print(f"created {args.meters:,} meters in {t1 - t0:.2f} s")
    print(f"load average at start: {load:.1f} (2-core machine)")
    print(
        f"campaign: {result.counts()} in {t2 - t1:.2f} s wall, {c2 - c1:.2f} s CPU "
        f"({args.meters / (t2 - t1):,.0f} meters/s wall)"
    )
    print(f"seal check of all reports: {broken} broken seals, {t3 - t2:.2f} s")
    print(
        f"replay of the same package: {replay.counts()} in {t4 - t3:.2f} s wall, "
        f"{c4 - c3:.2f} s CPU"
    )


if __name__ == "__main__":
    main()
