"""Home dashboards and global search at scale (issue 13 §6): the charts' aggregate queries
and /search/ per role, on the registry bulk data (benchmarks/_registry_bulk.py).

Anchor: the worst page today (a large scope's due page) is about 1 s; issue 13's target for
pages is < 300 ms at p95. Each figure is the median (and max) of --repeat runs after one
warm-up run.

    .venv/bin/python benchmarks/home_dashboards.py --instruments 100000 --certificates 200000
    .venv/bin/python benchmarks/home_dashboards.py --backend postgres --instruments 100000 ...
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

TARGET_S = 0.300


def measure(fn: Any, repeat: int) -> tuple[float, float]:
    fn()  # warm-up: the first run reads the pages into the cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=100_000)
    parser.add_argument("--certificates", type=int, default=200_000)
    parser.add_argument("--owners", type=int, default=2000)
    parser.add_argument("--big-owner", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-database", default="jiliang_home_bench")
    parser.add_argument("--sqlite-path", default="")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    args.keep, args.reuse = False, False

    from registry_scale import setup_backend, teardown_backend

    info = setup_backend(args.backend, args)
    try:
        run(args)
    finally:
        teardown_backend(args.backend, args, info)


def run(args: argparse.Namespace) -> None:
    import _registry_bulk as bulk
    from django.db import connection
    from registry_scale import analyze

    from jiliang.accounts.models import User
    from jiliang.dashboards import queries
    from jiliang.dashboards.search import search
    from jiliang.dashboards.views import cached_charts, charts_for
    from jiliang.registry import customers, services
    from jiliang.registry.demo import build_demo
    from jiliang.registry.models import Institution, Instrument

    today = dt.date.today()
    start = time.perf_counter()
    build_demo(today)
    owners = bulk.make_owners(args.owners, random.Random(11))
    ctx = bulk.context(today, owners)
    gen = bulk.generate(ctx, args.instruments, args.certificates, args.big_owner)
    services.refresh_due_dates(None)
    services.refresh_customers(None)
    customers.relations_from_loaded_certificates()
    analyze()
    print(f"[{connection.vendor}] built {gen} in {time.perf_counter() - start:.0f} s", flush=True)

    big_owner = Institution.objects.get(pk=owners[0][0])
    zibo_lab_inst = Institution.objects.get(name_zh="淄博市计量技术研究院")
    province = Institution.objects.filter(kind="regulator", division_code="370000").first()

    def user(name: str, institution: Any, role: str, superuser: bool = False) -> Any:
        u, _ = User.objects.get_or_create(
            username=f"bench-{name}",
            defaults={"institution": institution, "role": role, "is_superuser": superuser},
        )
        return u

    roles = {
        "admin (all)": user("admin", None, "admin", True),
        "big owner (enterprise)": user("owner", big_owner, "owner"),
        "city laboratory": user("lab", zibo_lab_inst, "lab"),
    }
    if province is not None:
        roles["provincial regulator"] = user("prov", province, "regulator")
    zibo_reg = Institution.objects.filter(kind="regulator", division_code="370300").first()
    if zibo_reg is not None:
        roles["city regulator"] = user("city", zibo_reg, "regulator")

    total = Instrument.objects.count()
    print(f"instruments {total:,}; today {today}; target p95 < {TARGET_S * 1000:.0f} ms")
    print(f"{'role':<26}{'what':<34}{'median ms':>10}{'max ms':>10}")
    sample_serial = Instrument.objects.filter(owner=big_owner).values_list(
        "serial_number", flat=True
    )[0]
    for label, u in roles.items():
        rows: list[tuple[str, Any]] = [
            ("all charts of the home page", lambda u=u: charts_for(u, today)),
            ("the same, cached (next visits)", lambda u=u: cached_charts(u, today)),
        ]
        rows.append(("due by month", lambda u=u: queries.due_by_month(u, today)))
        if "regulator" in label or "admin" in label:
            rows.append(("overdue by region", lambda u=u: queries.overdue_by_region(u, today)))
        rows.append(("search: a serial's prefix", lambda u=u: search(u, sample_serial[:8])))
        rows.append(("search: no match", lambda u=u: search(u, "NO-SUCH-NUMBER")))
        for what, fn in rows:
            median, worst = measure(fn, args.repeat)
            flag = "" if worst < TARGET_S else "  (over target)"
            print(f"{label:<26}{what:<34}{median * 1000:>10.1f}{worst * 1000:>10.1f}{flag}")


if __name__ == "__main__":
    main()
