"""Benchmark a tariff campaign over a fleet of simulated networked taximeters, end to end
through the platform: register the fleet, sign a package (logged), start the campaign,
every meter verifies and applies it, outcomes stored in bulk, seal events logged, reports
checked (one tampered meter must raise the only alert).

Run: .venv/bin/python benchmarks/taximeter_campaign.py --meters 30000
     [--postgres postgres://postgres@127.0.0.1:5432]
Prints figures (see docs/benchmarks/ledger.md); checks the counts it expects.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

TARIFF = {  # Beijing taxi tariff in force since 2013-06-10 (inputs only)
    "start_fare": "13.00",
    "start_distance_m": 3000,
    "fare_step_distance_m": 500,
    "price_per_km": "2.30",
    "waiting_price_per_min": "0.46",
    "night_surcharge_percent": "20.00",
    "crossover_speed_kmh": "12.00",
    "k_pulses_per_km": 1000,
}
NEW = {**TARIFF, "price_per_km": "2.50"}


def _setup(postgres: str | None) -> None:
    os.environ["JILIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="jl-bench-")
    os.environ.setdefault("JILIANG_SECRET_KEY", "benchmark-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    if postgres:
        import psycopg

        with psycopg.connect(postgres.rstrip("/") + "/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS jl_bench_taxi")
            conn.execute("CREATE DATABASE jl_bench_taxi")
        os.environ["JILIANG_DATABASE_URL"] = postgres.rstrip("/") + "/jl_bench_taxi"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--meters", type=int, default=30_000)
    parser.add_argument("--postgres", help="server URL without database name")
    args = parser.parse_args()
    _setup(args.postgres)

    from django.db import connection

    from jiliang.accounts.models import User
    from jiliang.registry.models import CatalogueItem, Institution, Instrument
    from jiliang.registry.services import load_reference_data
    from jiliang.taximeter import TariffParameters
    from jiliang.taximeters import services
    from jiliang.taximeters.models import TaxiMeter

    load_reference_data()
    print(f"database: {connection.vendor}; meters: {args.meters:,}")
    company = Institution.objects.create(
        name_zh="出租汽车公司", kind="enterprise", division_code="310101", uscc="91310101MA0000001X"
    )
    regulator = Institution.objects.create(
        name_zh="上海市市场监督管理局",
        kind="regulator",
        division_code="310000",
        uscc="11310000000000002X",
    )
    user = User.objects.create_user("reg", institution=regulator, role="regulator")
    c06 = CatalogueItem.objects.get(number="C06")
    params = TariffParameters.from_json_value(TARIFF)
    t0 = time.perf_counter()
    instruments = Instrument.objects.bulk_create(
        (
            Instrument(
                owner=company,
                name="出租汽车计价器",
                category=c06,
                use_area="trade",
                division_code="310101",
                serial_number=f"SH{i:06d}",
            )
            for i in range(args.meters)
        ),
        batch_size=2000,
    )
    TaxiMeter.objects.bulk_create(
        (
            TaxiMeter(
                instrument=inst,
                vehicle_plate=f"沪A{i:06d}",
                meter_serial=inst.serial_number,
                fleet=company.uscc,
                parameters=params.to_json_value(),
                parameter_hash=params.parameter_hash(),
            )
            for i, inst in enumerate(instruments)
        ),
        batch_size=2000,
    )
    print(f"register fleet (bulk): {time.perf_counter() - t0:.1f} s")

    now = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    package = services.create_package(
        user, scope_kind="fleet", scope_id=company.uscc, parameters=NEW, effective_at=now
    )
    campaign = services.start_campaign(user, package)
    t1 = time.perf_counter()
    fleet = services.simulated_fleet(TaxiMeter.objects.all())
    t2 = time.perf_counter()
    serials = list(fleet)
    outcomes = {s: fleet[s].offer(package.signed_note, now) for s in serials}
    t3 = time.perf_counter()
    services.record_outcomes(campaign, outcomes, now)
    t4 = time.perf_counter()
    fleet[serials[17]].parameters = TariffParameters.from_json_value(
        {**NEW, "k_pulses_per_km": 999}
    )
    result = services.record_reports([fleet[s].report() for s in serials], now, campaign)
    t5 = time.perf_counter()
    counts = services.campaign_counts(campaign)
    print(f"sign + log package, create {args.meters:,} pending targets: {t1 - t0:.1f} s")
    print(f"build simulated meters: {t2 - t1:.1f} s")
    print(
        f"meters verify (Ed25519) and apply the package: {t3 - t2:.1f} s "
        f"({args.meters / (t3 - t2):,.0f} meters/s)"
    )
    print(f"store outcomes in bulk + log {args.meters:,} seal events: {t4 - t3:.1f} s")
    print(f"check {args.meters:,} reports, raise alerts: {t5 - t4:.1f} s")
    print(f"campaign total (package to last report): {t5 - t0:.1f} s; counts {counts}")
    assert counts == {"pending": 0, "applied": args.meters, "rejected": 0, "alerts": 1}, counts
    assert result.broken == [serials[17]]


if __name__ == "__main__":
    main()
