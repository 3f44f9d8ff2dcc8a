"""Benchmark of the platform side of measurement statistics: closing a comparison campaign
(reference, DoEs, scores, PNG plots, PDF/CSV/JSON report, evidence rows), an interval review
from certificate history (A3 + S2 over 10 reliability models), and a meter lot (form a lot of
N meters, plan + seeded draw, record results, decide).

Usage: .venv/bin/python benchmarks/campaigns.py [--labs P] [--meters N] [--instruments K]
Builds the shared test world in a temporary SQLite database (never the checkout's var/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(workdir: Path) -> None:
    os.environ["JILIANG_DATA_DIR"] = str(workdir)
    os.environ["JILIANG_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    os.environ.pop("JILIANG_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(fn: Any) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _comparison(world: Any, labs: int, tag: str) -> tuple[float, float]:
    from django.utils import timezone
    from tests.conftest import uscc

    from jiliang.accounts.models import User
    from jiliang.comparisons import services
    from jiliang.comparisons.models import Campaign
    from jiliang.registry.models import Institution

    pilot = world.users["nim_lab"]
    campaign = services.create_campaign(
        pilot,
        code=f"BENCH-{tag}",
        title="bench",
        measurand="m",
        unit="mg",
        method="weighted-mean",
        deadline=timezone.now() + dt.timedelta(days=1),
    )
    for i in range(labs):
        inst = Institution.objects.create(
            name_zh=f"实验室{tag}{i}",
            name_en=f"Lab {tag}{i}",
            kind="calibration_lab",
            division_code="320100",
            uscc=uscc(f"9132010{tag[:1]}MA{i:07d}"),
        )
        user = User.objects.create_user(f"b{tag}{i}", institution=inst, role="lab")
        services.invite(pilot, campaign, inst)
        services.respond(user, campaign, True)
        reps = [1.0 + 0.001 * ((i * 7 + k) % 5) for k in range(3)]
        services.submit(user, campaign, value=sum(reps) / 3, u=0.001, replicates=reps)
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now())
    campaign.refresh_from_db()
    wall, cpu, _ = _timed(lambda: services.close(pilot, campaign))
    return wall, cpu


def _interval(world: Any, instruments: int) -> tuple[float, float, int]:
    from jiliang.intervals import services
    from jiliang.registry.models import Certificate, Instrument

    made = Instrument.objects.bulk_create(
        [
            Instrument(
                owner=world.city,
                name="balance",
                division_code="370300",
                serial_number=f"IB-{i:05d}",
                maker="M",
                model="X",
                interval_days=365,
            )
            for i in range(instruments)
        ]
    )
    certs = []
    for i, inst in enumerate(made):
        day = dt.date(2015, 1, 1)
        gap = (180, 365, 540)[i % 3]
        for j in range(6):
            ok = (i * 31 + j * 17) % 100 >= (5, 15, 40)[i % 3]
            certs.append(
                Certificate(
                    number=f"IB-{i:05d}-{j}",
                    kind="verification",
                    issuer=world.city,
                    instrument=inst,
                    regulation="JJG 1036-2022",
                    calibration_date=day,
                    issued_on=day,
                    conclusion="pass" if ok or j == 0 else "fail",
                )
            )
            day += dt.timedelta(days=gap)
    Certificate.objects.bulk_create(certs)
    wall, cpu, review = _timed(
        lambda: services.create_review(
            world.users["zibo_lab"], world.city, maker="M", model="X", regulation="JJG 1036-2022"
        )
    )
    return wall, cpu, len(review.observations)


def _lot(world: Any, meters: int) -> dict[str, tuple[float, float]]:
    from tests.lots.conftest import BATCH, MAKER, MODEL, add_meters

    from jiliang.lots import services

    add_meters(world, meters, prefix="B")
    user = world.users["market"]
    out: dict[str, tuple[float, float]] = {}
    w, c, lot = _timed(
        lambda: services.form_lot(
            user,
            world.market,
            maker=MAKER,
            model=MODEL,
            production_batch=BATCH,
            installation_year=2018,
        )
    )
    out["form_lot"] = (w, c)
    w, c, lot = _timed(lambda: services.draw(user, lot, seed="bench"))
    out[f"plan+draw (n={lot.plan['n']}, c={lot.plan['c']})"] = (w, c)
    serials = list(lot.sample.values_list("instrument__serial_number", flat=True))

    def record_all() -> None:
        for s in serials:
            services.record(user, lot, s, "pass")

    w, c, _ = _timed(record_all)
    out[f"record {len(serials)} results"] = (w, c)
    w, c, _ = _timed(lambda: services.decide(user, lot))
    out["decide"] = (w, c)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labs", type=int, default=30)
    parser.add_argument("--meters", type=int, default=20000)
    parser.add_argument("--instruments", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jl-campaign-bench-") as tmp:
        _setup(Path(tmp))
        from tests.conftest import make_world

        world = make_world()
        w, c = _comparison(world, 3, "W")  # warm-up: imports of scipy, matplotlib, weasyprint
        print(f"close campaign, 3 labs (cold: first plot and PDF): {w:.2f} s wall, {c:.2f} s CPU")
        for p in (5, args.labs):
            w, c = _comparison(world, p, f"{p}")
            print(
                f"close campaign, {p} labs (report PDF+CSV+JSON+2 PNG): {w:.2f} s wall, {c:.2f} s CPU"
            )
        w, c, obs = _interval(world, args.instruments)
        print(
            f"interval review, {args.instruments} instruments / {obs} observations (A3+S2): "
            f"{w:.2f} s wall, {c:.2f} s CPU"
        )
        for name, (w, c) in _lot(world, args.meters).items():
            print(f"lot of {args.meters} meters, {name}: {w:.2f} s wall, {c:.2f} s CPU")


if __name__ == "__main__":
    main()
