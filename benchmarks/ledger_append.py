"""Benchmark the platform ledger: append rate through services.append, inclusion proofs from
the stored node table at 10^7 leaves, and the full `ledger verify` audit over 10^6 records.

Run (SQLite, a fresh file in a temporary data dir):
    .venv/bin/python benchmarks/ledger_append.py --append 200000 --proof-leaves 10000000 \
        --verify 1000000
PostgreSQL (a throw-away database jl_bench is dropped and created; JL_BENCH_REUSE=1 keeps
an existing one, e.g. a filled node table):
    .venv/bin/python benchmarks/ledger_append.py --postgres postgres://postgres@127.0.0.1:5432 ...
The full verify over real certificates (registry comparison), on a fresh database:
    .venv/bin/python benchmarks/ledger_append.py --append 0 --single 0 \
        --verify-certificates 100000
Prints figures; asserts only that proofs verify (see docs/benchmarks/ledger.md).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))


def _setup(postgres: str | None, sqlite_path: str | None = None) -> None:
    tmp = tempfile.mkdtemp(prefix="jl-bench-")
    os.environ["JILIANG_DATA_DIR"] = tmp
    if sqlite_path:
        os.environ["JILIANG_SQLITE_PATH"] = sqlite_path
    os.environ.setdefault("JILIANG_SECRET_KEY", "benchmark-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    if postgres:
        import psycopg

        if not os.environ.get("JL_BENCH_REUSE"):
            with psycopg.connect(postgres.rstrip("/") + "/postgres", autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS jl_bench")
                conn.execute("CREATE DATABASE jl_bench")
        os.environ["JILIANG_DATABASE_URL"] = postgres.rstrip("/") + "/jl_bench"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")


def _items(start: int, n: int) -> list[Any]:
    from jiliang.ledger.services import Item
    from jiliang.trust import LogRecord

    items = []
    for i in range(start, start + n):
        body = {
            "number": f"JL-2026-{i:08d}",
            "kind": "verification",
            "issuer": "12370300400000030R",
            "instrument": {"serial_number": f"S-{i}", "owner": "91370303MA0000004Y"},
            "regulation": "JJG 539-2016",
            "calibration_date": "2026-05-01",
            "issued_on": "2026-05-02",
            "valid_until": "2027-04-30",
            "conclusion": "pass",
            "standards_used": ["ZB-F1-001"],
        }
        items.append(
            Item(LogRecord("certificate.issued", 1, body), "certificate", body["number"], None)
        )
    return items


def bench_append(n: int, batch: int) -> None:
    """Two figures: building the records (the core's validation and canonical JSON), and
    the ledger write path for built records (leaf hash, entries, nodes, head, commit)."""
    from jiliang.ledger import services

    base = services.head_size()
    build = write = 0.0
    done = 0
    while done < n:
        k = min(batch, n - done)
        t0 = time.perf_counter()
        items = _items(base + done, k)
        t1 = time.perf_counter()
        services.append(items)
        t2 = time.perf_counter()
        build += t1 - t0
        write += t2 - t1
        done += k
    print(
        f"append {n:,} records in transactions of {batch:,}: ledger write path (leaf hash + "
        f"entries + right-edge nodes + head + commit) {n / write:,.0f} records/s; "
        f"end to end incl. building each LogRecord (validation + canonical JSON) "
        f"{n / (build + write):,.0f} records/s ({build + write:.1f} s)"
    )


def bench_single(n: int) -> None:
    from jiliang.ledger import services

    base = services.head_size()
    t0 = time.perf_counter()
    for i in range(n):
        services.append(_items(base + i, 1))
    dt = time.perf_counter() - t0
    print(f"append {n:,} records one transaction each: {n / dt:,.0f} records/s")


def fill_nodes(leaves: int) -> float:
    """Write the complete node table of a `leaves`-leaf tree directly (not via append), in
    aligned chunks of 2**16 leaves; set the head. Returns seconds."""
    from django.db import connection, transaction

    from jiliang.ledger.models import node_id
    from jiliang.trust import leaf_hash, node_hash

    chunk_bits = 16
    chunk = 1 << chunk_bits
    t0 = time.perf_counter()
    roots: list[bytes] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, leaves, chunk):
            level = [leaf_hash(b"bench-%d" % i) for i in range(start, min(start + chunk, leaves))]
            rows = [(node_id(0, start + j), h) for j, h in enumerate(level)]
            lvl = 0
            while len(level) > 1:
                lvl += 1
                level = [node_hash(level[j], level[j + 1]) for j in range(0, len(level) - 1, 2)]
                first = start >> lvl
                rows.extend((node_id(lvl, first + j), h) for j, h in enumerate(level))
            if min(start + chunk, leaves) - start == chunk:
                roots.append(level[0])
            _insert(cursor, rows)
        level, lvl = roots, chunk_bits
        while len(level) > 1:
            lvl += 1
            level = [node_hash(level[j], level[j + 1]) for j in range(0, len(level) - 1, 2)]
            _insert(cursor, [(node_id(lvl, j), h) for j, h in enumerate(level)])
        cursor.execute("UPDATE ledger_head SET size = %s WHERE id = 1", [leaves])
    return time.perf_counter() - t0


def _insert(cursor: Any, rows: list[tuple[int, bytes]]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with cursor.cursor.copy("COPY ledger_treenode (id, hash) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany("INSERT INTO ledger_treenode (id, hash) VALUES (%s, %s)", rows)


def bench_proofs(leaves: int, samples: int) -> None:
    from jiliang.ledger import services
    from jiliang.trust import leaf_hash, verify_inclusion

    if services.head_size() == leaves:
        print(f"reusing the node table of {leaves:,} leaves")
    else:
        fill = fill_nodes(leaves)
        print(
            f"filled the node table for {leaves:,} leaves ({2 * leaves - 1:,} nodes) in {fill:.0f} s"
        )
    log = services.merkle_log()
    root = log.root()
    rng = random.Random(1)
    for label in ("first pass", "second pass"):
        times = []
        for _ in range(samples):
            index = rng.randrange(leaves)
            t0 = time.perf_counter()
            proof = services.inclusion_proof(index, leaves)
            times.append(time.perf_counter() - t0)
            verify_inclusion(index, leaves, leaf_hash(b"bench-%d" % index), proof.hashes, root)
        times.sort()
        print(
            f"inclusion proof at {leaves:,} leaves ({len(proof.hashes)} hashes), {samples} random "
            f"leaves, {label}: median {statistics.median(times) * 1e3:.2f} ms, "
            f"p99 {times[int(0.99 * len(times)) - 1] * 1e3:.2f} ms, max {times[-1] * 1e3:.2f} ms"
        )
    t0 = time.perf_counter()
    for _ in range(100):
        services.consistency_proof(rng.randrange(1, leaves), leaves)
    print(f"consistency proof at {leaves:,} leaves: {(time.perf_counter() - t0) * 10:.2f} ms")


def _writer(start: int, n: int) -> None:
    import django

    django.setup()
    from jiliang.ledger import services

    for i in range(n):
        services.append(_items(start + i, 1))


def bench_writers(writers: int, n: int) -> None:
    """`writers` processes append `n` records each, one transaction per record, at once:
    the head lock must serialise them into one consistent tree (checked by the audit)."""
    import multiprocessing

    from jiliang.ledger import services

    before = services.head_size()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(10_000_000 * (w + 1), n)) for w in range(writers)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    dt = time.perf_counter() - t0
    report = services.audit()
    added = services.head_size() - before
    print(
        f"{writers} concurrent writer processes x {n:,} single-record transactions: "
        f"{added:,} appended in {dt:.1f} s ({added / dt:,.0f} records/s incl. process start), "
        f"audit ok={report.ok}"
    )
    assert added == writers * n and report.ok, report.findings[:5]


def bench_verify(n: int) -> None:
    from jiliang.ledger import services

    have = services.head_size()
    if have < n:
        bench_append(n - have, 10_000)
    services.sign_checkpoint_now()
    t0 = time.perf_counter()
    # These records name no registry certificate (synthetic bodies): the log alone is
    # measured here; --verify-certificates measures the registry comparison too.
    report = services.audit(registry=False)
    dt = time.perf_counter() - t0
    print(
        f"ledger verify (audit, log only) over {report.entries:,} records: {dt:.1f} s, "
        f"ok={report.ok}, findings={len(report.findings)}"
    )


def bench_verify_registry(n: int) -> None:
    """`ledger verify` over n real certificates: the demo plus n raw certificates
    (benchmarks/_registry_bulk.py) logged by records.log_certificates, as an import does.
    Timed twice on the same database: the log alone (registry=False, what verify did before
    issue 12) and the full verify (registry comparison and derived access columns)."""
    import datetime as dt

    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import _registry_bulk as bulk

    from jiliang.ledger import records, services
    from jiliang.registry.demo import build_demo
    from jiliang.registry.models import Certificate

    today = dt.date(2026, 6, 1)
    t0 = time.perf_counter()
    build_demo(today)
    ctx = bulk.context(today, bulk.make_owners(50, random.Random(3)))
    bulk.generate(ctx, n, n, big_owner_size=0)
    ids = list(
        Certificate.objects.filter(number__startswith="BENCH-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 20_000):
        records.log_certificates(ids[start : start + 20_000])
    records.sync_certificates()  # the demo's own
    services.sign_checkpoint_now()
    print(f"prepared {len(ids):,} certificates, logged, in {time.perf_counter() - t0:.0f} s")
    for label, registry in (("log only (before)", False), ("full, with the registry", True)):
        t0 = time.perf_counter()
        report = services.audit(registry=registry)
        dt_s = time.perf_counter() - t0
        print(
            f"ledger verify {label} over {report.entries:,} records: {dt_s:.1f} s, "
            f"ok={report.ok}, findings={len(report.findings)}, warnings={len(report.warnings)}"
        )
        assert report.ok, report.findings[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="server URL without database name")
    parser.add_argument("--sqlite-path", help="reuse this SQLite file (e.g. a filled node table)")
    parser.add_argument("--append", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--verify", type=int, default=0, help="records for the audit")
    parser.add_argument(
        "--verify-certificates", type=int, default=0, help="real certificates for the audit"
    )
    parser.add_argument("--writers", type=int, default=0, help="concurrent writer processes")
    parser.add_argument("--writer-records", type=int, default=500)
    parser.add_argument(
        "--proof-leaves", type=int, default=0, help="only the proof benchmark, this many leaves"
    )
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    _setup(args.postgres, args.sqlite_path)
    if args.proof_leaves:
        # The node table is filled directly, without log entries: a fresh database only.
        bench_proofs(args.proof_leaves, args.samples)
        return
    if args.append:
        bench_append(args.append, args.batch)
    if args.single:
        bench_single(args.single)
    if args.writers:
        bench_writers(args.writers, args.writer_records)
    if args.verify:
        bench_verify(args.verify)
    if args.verify_certificates:
        bench_verify_registry(args.verify_certificates)


if __name__ == "__main__":
    main()
