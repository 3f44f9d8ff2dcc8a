"""Benchmark logging a bulk certificate import: `records.log_certificates(ids)`.

What the ledger receiver of `registry.signals.certificates_imported` does after an import
commits. A scratch database is migrated, the demo is built, N certificates are written raw
for N fresh instruments (benchmarks/_registry_bulk.py, no signals), then the ledger logs
them: the figure is the wall time of `log_certificates`, with a cProfile phase breakdown of
a second identical run on a second scratch database (profiling slows it down).

Run (SQLite, a temporary file):
    .venv/bin/python benchmarks/ledger_certificates.py --certificates 20000
PostgreSQL (a throw-away database jl_helper is dropped and created):
    .venv/bin/python benchmarks/ledger_certificates.py --certificates 20000 \
        --postgres postgres://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

DB_NAME = "jl_helper"


def _setup(postgres: str | None) -> None:
    tmp = tempfile.mkdtemp(prefix="jl-bench-ledger-certs-")
    os.environ["JILIANG_DATA_DIR"] = tmp
    os.environ.setdefault("JILIANG_SECRET_KEY", "benchmark-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    if postgres:
        os.environ["JILIANG_DATABASE_URL"] = postgres.rstrip("/") + "/" + DB_NAME
    import django

    django.setup()


def _fresh_database(postgres: str | None) -> None:
    """Drop and recreate the scratch database (PostgreSQL) or start a new SQLite file."""
    from django.db import connection

    connection.close()
    if postgres:
        import psycopg

        with psycopg.connect(postgres.rstrip("/") + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
    else:
        path = os.path.join(tempfile.mkdtemp(prefix="jl-bench-ledger-certs-"), "db.sqlite3")
        connection.settings_dict["NAME"] = path
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _prepare(n: int) -> list[int]:
    """Demo + n raw certificates (not logged); returns their ids."""
    import _registry_bulk as bulk

    from jiliang.registry.demo import build_demo
    from jiliang.registry.models import Certificate

    today = dt.date(2026, 6, 1)
    build_demo(today)
    owners = bulk.make_owners(50, random.Random(3))
    ctx = bulk.context(today, owners)
    bulk.generate(ctx, n, n, big_owner_size=0)
    return list(
        Certificate.objects.filter(number__startswith="BENCH-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _check(ids: list[int], before: int) -> None:
    from jiliang.ledger import services
    from jiliang.trust import leaf_hash, verify_inclusion

    after = services.head_size()
    assert after - before == len(ids), (before, after, len(ids))
    log = services.merkle_log()
    root = log.root()
    from jiliang.ledger.models import LogEntry

    for index in (before, (before + after) // 2, after - 1):
        entry = LogEntry.objects.get(leaf_index=index)
        assert bytes(entry.leaf_hash) == leaf_hash(entry.record.encode())
        verify_inclusion(index, after, bytes(entry.leaf_hash), log.inclusion_proof(index), root)


def run(postgres: str | None, n: int, profile: bool) -> float:
    from django.db import connection

    from jiliang.ledger import records, services

    _fresh_database(postgres)
    ids = _prepare(n)
    before = services.head_size()
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    result = records.log_certificates(ids)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - t0
    assert sum(1 for r in result if r is not None) == len(ids)
    _check(ids, before)
    # at-least-once: a second call logs nothing
    again = time.perf_counter()
    assert all(r is None for r in records.log_certificates(ids))
    again = time.perf_counter() - again
    label = "profiled" if profile else "timed"
    print(
        f"[{connection.vendor}] {label}: log_certificates of {len(ids):,} certificates "
        f"(log had {before:,} entries): {seconds:.3f} s = {seconds / len(ids) * 1e6:.0f} µs "
        f"each; repeated call (all deduplicated): {again:.3f} s"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="server URL without database name")
    parser.add_argument("--certificates", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs (fresh database each)")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    _setup(args.postgres)
    times = [run(args.postgres, args.certificates, False) for _ in range(args.repeat)]
    print(f"timed runs: {', '.join(f'{t:.3f}' for t in times)} s; best {min(times):.3f} s")
    if not args.no_profile:
        run(args.postgres, args.certificates, True)
    if args.postgres:
        from django.db import connection

        connection.close()
        import psycopg

        with psycopg.connect(args.postgres.rstrip("/") + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    main()
