"""Registry at national scale (issue #2 §7): 10⁶ instruments, 2×10⁶ certificates.

Measures, on SQLite (a temporary file) and on PostgreSQL (a bench database it creates and
drops): the bulk write rate, the product's own import path (importers.import_rows), trace up
of one instrument, trace down of the kilogram (≥10⁵ dependants) and the due list of one owner.
Targets: trace down < 1 s, due list < 100 ms, import ≥ 20,000 rows/s.

    .venv/bin/python benchmarks/registry_scale.py --backend both
    .venv/bin/python benchmarks/registry_scale.py --instruments 20000 --certificates 40000 \\
        --backend sqlite --explain

With --backend both each backend runs in its own process (Django is configured once per
process) and a side-by-side table is printed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _machine  # noqa: E402 (beside this script)

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGETS = {"trace_down_s": 1.0, "due_list_s": 0.1, "import_rows_per_s": 20_000.0}


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float, Any]:
    """(first run, median of `repeat` runs, last result) in seconds."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    LAST_CPU[0] = statistics.median(cpu)
    return times[0], statistics.median(times), result


# CPU seconds (this process only, not the PostgreSQL server) of the last `timed` median.
LAST_CPU = [0.0]


def setup_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Point Django at a fresh database for the backend, configure it and migrate."""
    scratch = Path(tempfile.mkdtemp(prefix="jiliang-bench-"))
    reuse = getattr(args, "reuse", False)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    os.environ["JILIANG_DATA_DIR"] = str(scratch)
    info: dict[str, Any] = {"scratch": scratch}
    if backend == "sqlite":
        os.environ.pop("JILIANG_DATABASE_URL", None)
        path = Path(args.sqlite_path) if args.sqlite_path else scratch / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm") if not reuse else ():
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["JILIANG_SQLITE_PATH"] = str(path)
        info["database"] = str(path)
    else:
        import psycopg

        if not reuse:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}"')
                admin.execute(f'CREATE DATABASE "{args.pg_database}"')
        os.environ["JILIANG_DATABASE_URL"] = f"{PG_SERVER}/{args.pg_database}"
        info["database"] = os.environ["JILIANG_DATABASE_URL"]
    import django

    django.setup()
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    info["migrate_s"] = time.perf_counter() - start
    return info


def teardown_backend(backend: str, args: argparse.Namespace, info: dict[str, Any]) -> None:
    from django.db import connections

    connections.close_all()
    if not (args.keep or getattr(args, "reuse", False)):
        if backend == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}"')
        shutil.rmtree(info["scratch"], ignore_errors=True)


def analyze() -> float:
    """Planner statistics; on PostgreSQL also VACUUM, as autovacuum would in production.

    Why VACUUM: the due-date refresh after the bulk write leaves a dead version of each of
    the 10^6 instrument rows, and the bench server runs with autovacuum off; pages measured
    over that bloat read twice the heap (a laboratory's scope probe: 0.35 s).
    """
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - start


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join("  " + " ".join(str(c) for c in row) for row in cursor.fetchall())


def import_path(ctx: Any, owner_uscc: str, rows: int, tag: str = "") -> dict[str, Any]:
    """The product's import path on `rows` instruments, then `rows` certificates for them.

    `tag` goes into serial and certificate numbers so that a reused database takes new rows.
    """
    from jiliang.accounts.models import User
    from jiliang.registry.models import Institution, Instrument, Person

    admin = User.objects.get(username="admin")
    out: dict[str, Any] = {"import_rows": rows}
    instrument_rows = [
        {
            "owner_uscc": owner_uscc,
            "name": "电子计价秤 Price-computing scale",
            "serial_number": f"IMP{tag}{index:07d}",
            "division_code": "370303",
            "category": "C01",
            "quantity": "mass",
            "use_area": "trade",
            "range_min": "0.2",
            "range_max": "30",
            "unit": "kg",
            "mpe": "0.03",
            "maker": "基准测试",
            "model": "IMPORT",
        }
        for index in range(rows)
    ]

    out["import_path"] = "importers.import_rows"
    result = timed_import(out, "instruments", instrument_rows, admin)
    assert result.created == rows
    city = Institution.objects.get(name_zh="淄博市计量技术研究院")
    signers = list(
        Person.objects.filter(institution=city, valid_until__gte=ctx.today)
        .order_by("id")
        .values_list("registration_number", flat=True)[:2]
    )
    day = ctx.today - dt.timedelta(days=30)
    certificate_rows = [
        {
            "number": f"IMPC-{tag}{index:07d}",
            "kind": "verification",
            "issuer_uscc": city.uscc,
            "instrument_owner_uscc": owner_uscc,
            "instrument_serial": f"IMP{tag}{index:07d}",
            "regulation": "JJG 539-2016",
            "calibration_date": day.isoformat(),
            "issued_on": day.isoformat(),
            "valid_until": (day + dt.timedelta(days=364)).isoformat(),
            "conclusion": "pass",
            "standards": "ZBJL-M-M1",
            "verifier": signers[0],
            "checker": signers[1],
        }
        for index in range(rows)
    ]
    result = timed_import(out, "certificates", certificate_rows, admin)
    assert result.created == rows
    owner = Institution.objects.get(uscc=owner_uscc)
    objects = [
        Instrument(
            owner=owner,
            name="电子计价秤 Price-computing scale",
            division_code="370303",
            serial_number=f"ORM{tag}{index:07d}",
            use_area="trade",
        )
        for index in range(rows)
    ]
    start = time.perf_counter()
    Instrument.objects.bulk_create(objects, batch_size=5000)
    out["bulk_create_instruments_s"] = time.perf_counter() - start
    return out


def timed_import(out: dict[str, Any], kind: str, rows: list[dict[str, str]], user: Any) -> Any:
    """importers.import_rows, timed whole and up to its commit.

    A callback registered before the importer's runs first after COMMIT, so it marks the
    moment the rows are committed; what follows is the after-commit work (the ledger logging
    the imported certificates).
    """
    from django.db import transaction

    from jiliang.registry import importers

    committed: list[float] = []
    start, start_cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        result = importers.import_rows(kind, rows, user)
    out[f"import_{kind}_s"] = time.perf_counter() - start
    out[f"import_{kind}_cpu_s"] = time.process_time() - start_cpu
    out[f"import_{kind}_commit_s"] = committed[0] - start
    return result


def trace_down_pages(standard: Any) -> dict[str, Any]:
    """What a user waits for: the trace-down page (counts + first pages) and the API, as admin."""
    from django.conf import settings
    from django.test import Client

    from jiliang.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    out: dict[str, Any] = {}
    for key, path in (
        ("page", f"/standards/{standard.pk}/trace-down/"),
        ("page_deep", f"/standards/{standard.pk}/trace-down/?page=500&ipage=300"),
        ("api", f"/api/standards/{standard.pk}/trace-down?limit=100"),
    ):
        first, median, response = timed(lambda path=path: client.get(path))
        assert response.status_code == 200, (path, response.status_code)
        out[f"trace_down_{key}_first_s"], out[f"trace_down_{key}_s"] = first, median
    return out


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    info = setup_backend(backend, args)
    import _registry_bulk as bulk
    from django.db import connection

    from jiliang.registry import customers, services, traceability
    from jiliang.registry.demo import build_demo
    from jiliang.registry.models import (
        Certificate,
        CertificateStandard,
        Institution,
        Instrument,
        MeasurementStandard,
    )

    today = dt.date.today()
    res: dict[str, Any] = {
        "backend": backend,
        "server": connection.vendor,
        "instruments_target": args.instruments,
        "certificates_target": args.certificates,
        "migrate_s": info["migrate_s"],
        "load_start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "python_loop_s": _machine.python_loop_seconds(),
    }
    try:
        import random

        tag = ""
        if args.reuse:  # measure again on the database a --keep run left behind
            tag = f"R{int(time.time()) % 10**6:06d}-"
            owners = list(
                Institution.objects.filter(name_zh__startswith="基准测试企业")
                .order_by("pk")
                .values_list("pk", "division_code")
            )
            ctx = bulk.context(today, owners)
        else:
            start = time.perf_counter()
            build_demo(today)
            res["demo_s"] = time.perf_counter() - start
            owners = bulk.make_owners(args.owners, random.Random(11))
            ctx = bulk.context(today, owners)
            gen = bulk.generate(ctx, args.instruments, args.certificates, args.big_owner)
            res.update(
                gen_instruments=gen.instruments,
                gen_certificates=gen.certificates,
                gen_links=gen.links,
                gen_instruments_s=gen.seconds["instruments"],
                gen_certificates_s=gen.seconds["certificates"],
                gen_links_s=gen.seconds["links"],
            )
            print(f"[{backend}] generated {gen}", flush=True)
            start = time.perf_counter()
            res["refreshed_due"] = services.refresh_due_dates(None)
            res["refresh_due_s"] = time.perf_counter() - start
            start = time.perf_counter()
            services.refresh_customers(None)  # the generator wrote certificates behind it
            # its certificates stand for received instruments: the receipts' relations
            customers.relations_from_loaded_certificates()
            res["refresh_customers_s"] = time.perf_counter() - start
        res["analyze_s"] = analyze()
        res["instruments_total"] = Instrument.objects.count()
        res["certificates_total"] = Certificate.objects.count()

        owner_uscc = Institution.objects.get(pk=owners[-1][0]).uscc
        res.update(import_path(ctx, owner_uscc, args.import_rows, tag))
        print(f"[{backend}] import path done", flush=True)

        scale = (
            Instrument.objects.filter(serial_number__startswith="BENCH", category__number="C01")
            .order_by("id")
            .first()
        )
        first, median, result = timed(lambda: traceability.trace_up(scale, today))
        res.update(trace_up_first_s=first, trace_up_s=median, trace_up_valid=result.valid)
        res["trace_up_terminals"] = result.terminals()

        kilogram = MeasurementStandard.objects.get(code="GJJ(力)0101")

        def trace_down_counts() -> tuple[int, int, int]:
            down = traceability.trace_down(kilogram, restrict=False)
            return (len(down.standards), *down.counts())

        first, median, counts = timed(trace_down_counts)
        res.update(trace_down_first_s=first, trace_down_s=median, trace_down_cpu_s=LAST_CPU[0])
        res.update(
            trace_down_standards=counts[0],
            trace_down_certificates=counts[1],
            trace_down_instruments=counts[2],
        )
        res.update(trace_down_pages(kilogram))
        down = traceability.trace_down(kilogram, restrict=False)
        start = time.perf_counter()
        ids = list(down.certificate_ids.values_list("id", flat=True))
        res["trace_down_ids_s"] = time.perf_counter() - start
        res["trace_down_ids"] = len(ids)

        typical = owners[len(owners) // 2][0]
        for label, owner_id in (("big", ctx.big_owner), ("typical", typical)):
            first, median, entries = timed(
                lambda owner_id=owner_id: services.due_list(
                    Instrument.objects.all(), owner_id=owner_id, today=today
                )
            )
            res[f"due_{label}_owner_instruments"] = Instrument.objects.filter(
                owner_id=owner_id
            ).count()
            res[f"due_{label}_first_s"] = first
            res[f"due_{label}_s"] = median
            res[f"due_{label}_cpu_s"] = LAST_CPU[0]
            res[f"due_{label}_entries"] = len(entries)

        if args.explain:
            frontier = [MeasurementStandard.objects.get(code="ZBJL-M-M1").pk]
            level = (
                Instrument.objects.filter(
                    certificates__standards_used__in=frontier, part_of_standard__isnull=False
                )
                .values_list("part_of_standard_id", flat=True)
                .distinct()
            )
            qs = services.with_due_dates(
                Instrument.objects.filter(status="in_service", owner_id=ctx.big_owner)
            )
            for name, query in (
                ("trace_down level query", level),
                (
                    "trace_down distinct instruments (the counts read the links alone)",
                    CertificateStandard.objects.filter(measurementstandard_id__in=down.standards)
                    .order_by()
                    .values("instrument_id")
                    .distinct(),
                ),
                (
                    "trace_down first page of certificates",
                    down.certificate_ids.order_by("-calibration_date", "-id")[:25],
                ),
                ("due list", qs),
            ):
                sql, params = query.query.sql_with_params()
                print(f"\n[{backend}] EXPLAIN {name}:\n  {sql}\n{explain(sql, params)}")
        res["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    finally:
        teardown_backend(backend, args, info)
    return res


ROWS = [
    ("load average at start (1/5/15 min)", "load_start", "{}"),
    ("load average at end", "load_end", "{}"),
    ("machine: 10^7 Python loop additions, best of 3 (s)", "python_loop_s", "{:.2f}"),
    ("instruments in the database", "instruments_total", "{:,}"),
    ("certificates in the database", "certificates_total", "{:,}"),
    ("bulk write: instruments (rows/s)", "gen_instruments_rate", "{:,.0f}"),
    ("bulk write: certificates (rows/s)", "gen_certificates_rate", "{:,.0f}"),
    ("bulk write: certificate→standard links (rows/s)", "gen_links_rate", "{:,.0f}"),
    ("import path", "import_path", "{}"),
    ("refresh_due_dates(all) after the bulk write (s)", "refresh_due_s", "{:.1f}"),
    ("worked-on access and relations after the bulk write (s)", "refresh_customers_s", "{:.1f}"),
    ("import_rows instruments (rows/s, ≥20,000)", "import_instruments_rate", "{:,.0f}"),
    ("  same, CPU of this process (rows/s)", "import_instruments_cpu_rate", "{:,.0f}"),
    ("  instruments committed (rows/s)", "import_instruments_commit_rate", "{:,.0f}"),
    ("import_rows certificates (rows/s, ≥20,000)", "import_certificates_rate", "{:,.0f}"),
    (
        "  certificates committed, before the ledger logs them (rows/s)",
        "import_certificates_commit_rate",
        "{:,.0f}",
    ),
    ("  same, CPU of this process (rows/s)", "import_certificates_cpu_rate", "{:,.0f}"),
    ("ORM bulk_create instruments (rows/s)", "bulk_create_rate", "{:,.0f}"),
    ("trace up one scale, median (s)", "trace_up_s", "{:.4f}"),
    ("trace up one scale, first (s)", "trace_up_first_s", "{:.4f}"),
    ("trace up valid / terminal", "trace_up_summary", "{}"),
    ("trace down kilogram + counts, median (s, <1)", "trace_down_s", "{:.3f}"),
    ("trace down kilogram + counts, first (s)", "trace_down_first_s", "{:.3f}"),
    ("  trace down, CPU of this process (s)", "trace_down_cpu_s", "{:.3f}"),
    ("  dependent standards", "trace_down_standards", "{:,}"),
    ("  dependent certificates", "trace_down_certificates", "{:,}"),
    ("  dependent instruments", "trace_down_instruments", "{:,}"),
    ("  materialise certificate ids (s)", "trace_down_ids_s", "{:.3f}"),
    ("trace-down page as admin, median (s)", "trace_down_page_s", "{:.3f}"),
    ("  first request of the process (Django warm-up) (s)", "trace_down_page_first_s", "{:.3f}"),
    ("  page 500 of certificates, 300 of instruments (s)", "trace_down_page_deep_s", "{:.3f}"),
    ("trace-down API (limit 100), median (s)", "trace_down_api_s", "{:.3f}"),
    ("due list, big owner, median (s, <0.1)", "due_big_s", "{:.4f}"),
    ("  big owner, CPU of this process (s)", "due_big_cpu_s", "{:.4f}"),
    ("  big owner: instruments / entries", "due_big_summary", "{}"),
    ("due list, typical owner, median (s, <0.1)", "due_typical_s", "{:.4f}"),
    ("  typical owner: instruments / entries", "due_typical_summary", "{}"),
]


def derive(res: dict[str, Any]) -> dict[str, Any]:
    out = dict(res)
    for name in ("instruments", "certificates", "links"):
        if res.get(f"gen_{name}_s"):
            out[f"gen_{name}_rate"] = res[f"gen_{name}"] / res[f"gen_{name}_s"]
    for name in ("instruments", "certificates"):
        if res.get(f"import_{name}_s"):
            out[f"import_{name}_rate"] = res["import_rows"] / res[f"import_{name}_s"]
        if res.get(f"import_{name}_commit_s"):
            out[f"import_{name}_commit_rate"] = res["import_rows"] / res[f"import_{name}_commit_s"]
        if res.get(f"import_{name}_cpu_s"):
            out[f"import_{name}_cpu_rate"] = res["import_rows"] / res[f"import_{name}_cpu_s"]
    if res.get("bulk_create_instruments_s"):
        out["bulk_create_rate"] = res["import_rows"] / res["bulk_create_instruments_s"]
    if "trace_up_valid" in res:
        out["trace_up_summary"] = (
            f"{res['trace_up_valid']} / {', '.join(res['trace_up_terminals'])}"
        )
    for label in ("big", "typical"):
        if f"due_{label}_entries" in res:
            out[f"due_{label}_summary"] = (
                f"{res[f'due_{label}_owner_instruments']:,} / {res[f'due_{label}_entries']:,}"
            )
    return out


def table(results: list[dict[str, Any]]) -> str:
    results = [derive(r) for r in results]
    header = ["measure"] + [r["backend"] for r in results]
    lines = []
    for label, key, fmt in ROWS:
        cells = [fmt.format(r[key]) if key in r else "—" for r in results]
        lines.append([label, *cells])
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    out = [" | ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in lines]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instruments", type=int, default=1_000_000)
    parser.add_argument("--certificates", type=int, default=2_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--owners", type=int, default=2000, help="enterprises owning them")
    parser.add_argument("--big-owner", type=int, default=20_000, help="instruments of owner 0")
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--pg-database", default="jiliang_bench")
    parser.add_argument("--sqlite-path", default="", help="default: a temporary file")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the database of an earlier --keep run (same --sqlite-path/--pg-database)",
    )
    parser.add_argument("--explain", action="store_true", help="print query plans")
    parser.add_argument("--json-out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.big_owner = min(args.big_owner, args.instruments // 4)

    if args.backend == "both":
        results = []
        for backend in ("sqlite", "postgres"):
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                out = Path(handle.name)
            argv = [a for a in sys.argv[1:] if not a.startswith("--backend")]
            if "--backend" in sys.argv:
                index = sys.argv.index("--backend")
                argv = sys.argv[1:index] + sys.argv[index + 2 :]
            subprocess.run(
                [sys.executable, __file__, *argv, "--backend", backend, "--json-out", str(out)],
                check=True,
            )
            results.append(json.loads(out.read_text()))
            out.unlink()
    else:
        results = [run_backend(args.backend, args)]
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results[0], default=str))
            return
    print()
    print(
        f"registry scale: {args.instruments:,} instruments, {args.certificates:,} certificates, "
        f"{args.owners:,} owners, import {args.import_rows:,} rows — {os.cpu_count()} CPUs"
    )
    print(table(results))


if __name__ == "__main__":
    main()
