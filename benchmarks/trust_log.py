"""Benchmark the trust core: append rate, proofs at 10^7 leaves, full audit.

Run: .venv/bin/python benchmarks/trust_log.py [--leaves 10000000] [--append 200000]
     [--audit 1000000]
Prints figures; nothing is asserted (see docs/benchmarks/trust.md).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import time

from jiliang.trust import (
    Checkpoint,
    LogRecord,
    MemoryNodeStore,
    MerkleLog,
    audit_log,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)


def _record(i: int) -> LogRecord:
    return LogRecord("certificate.issued", 1, {"number": f"JL-2026-{i:07d}", "value": "10.000 02"})


def bench_append(n: int) -> None:
    """Timed: build the record (validation + canonical JSON), leaf-hash it, update the store."""
    log = MerkleLog()
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        log.append(_record(i).canonical_bytes())
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"append {n:,} one at a time (record + canonical JSON + hash + store): "
        f"{n / dt:,.0f} records/s wall, {n / dc:,.0f} records/s CPU"
    )
    log2 = MerkleLog()
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, n, 1000):
        log2.append_many(_record(i).canonical_bytes() for i in range(start, min(n, start + 1000)))
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"append {n:,} in batches of 1000: {n / dt:,.0f} records/s wall, "
        f"{n / dc:,.0f} records/s CPU"
    )
    data = [_record(i).canonical_bytes() for i in range(n)]
    log3 = MerkleLog()
    t0, c0 = time.perf_counter(), time.process_time()
    for item in data:
        log3.append(item)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"append {n:,} prebuilt records one at a time (hash + store only): "
        f"{n / dt:,.0f} records/s wall, {n / dc:,.0f} records/s CPU"
    )
    print(f"load average after appends: {os.getloadavg()[0]:.1f}")
    assert log.root() == log2.root()


def build_levels(n: int) -> list[bytes]:
    """All complete-subtree levels for n leaves, with hashlib (bulk, not via MerkleLog)."""
    sha = hashlib.sha256
    level = b"".join(sha(b"\x00" + b"record %d" % i).digest() for i in range(n))
    levels = [level]
    while len(level) >= 64:
        mv = memoryview(level)
        count = len(level) // 64
        level = b"".join(sha(b"\x01" + mv[64 * i : 64 * i + 64]).digest() for i in range(count))
        levels.append(level)
    return levels


def bench_proofs(n: int, samples: int = 2000) -> None:
    t0 = time.perf_counter()
    levels = build_levels(n)
    build = time.perf_counter() - t0
    store = MemoryNodeStore.from_levels(levels, n)
    log = MerkleLog(store)
    root = log.root()
    print(f"built stored levels for {n:,} leaves with hashlib in {build:.1f} s")
    print(f"load average when proofs start: {os.getloadavg()[0]:.1f} (2-core machine)")
    rng = random.Random(1)

    def summary(what: str, wall: list[float], cpu: list[float]) -> None:
        wall.sort()
        cpu.sort()
        p99 = int(0.99 * len(wall))
        print(
            f"{what}: wall median {statistics.median(wall) * 1e3:.3f} ms, "
            f"p99 {wall[p99] * 1e3:.3f} ms, max {wall[-1] * 1e3:.3f} ms; "
            f"CPU median {statistics.median(cpu) * 1e3:.3f} ms, p99 {cpu[p99] * 1e3:.3f} ms"
        )

    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(samples):
        i = rng.randrange(n)
        t, c = time.perf_counter(), time.process_time()
        proof = log.inclusion_proof(i)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
        verify_inclusion(i, n, leaf_hash(b"record %d" % i), proof, root)
    summary(f"inclusion proof at {n:,} leaves ({samples} random leaves, each verified)", wall, cpu)
    wall, cpu = [], []
    for _ in range(samples):
        m = rng.randrange(1, n)
        t, c = time.perf_counter(), time.process_time()
        proof = log.consistency_proof(m)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
        verify_consistency(m, n, proof, log.root(m), root)
    summary(f"consistency proof to {n:,} leaves", wall, cpu)
    # historical root at a random size (what a checkpoint lookup costs)
    t = time.perf_counter()
    for _ in range(samples):
        log.root(rng.randrange(1, n))
    print(f"historical root at a random size: {(time.perf_counter() - t) / samples * 1e3:.3f} ms")


def bench_audit(n: int) -> None:
    """What `ledger verify` does: parse each stored row, recompute leaf hashes, audit."""
    rows = [_record(i).canonical_bytes().decode() for i in range(n)]
    log = MerkleLog()
    log.append_many(row.encode() for row in rows)
    cp = Checkpoint("jiliang.example/log", n, log.root())
    t0 = time.perf_counter()
    hashes: list[bytes | None] = [LogRecord.from_json(row).leaf_hash() for row in rows]
    t1 = time.perf_counter()
    report = audit_log(hashes, log.store, [cp])
    t2 = time.perf_counter()
    assert report.ok
    print(
        f"audit (ledger verify core) over {n:,} records: parse rows + recompute leaf hashes "
        f"{t1 - t0:.1f} s + compare with stored tree and checkpoint {t2 - t1:.1f} s "
        f"= {t2 - t0:.1f} s wall"
    )
    # Rows stored as their canonical bytes can be hashed without parsing.
    t0 = time.perf_counter()
    raw: list[bytes | None] = [leaf_hash(row.encode()) for row in rows]
    t1 = time.perf_counter()
    assert raw == hashes
    report = audit_log(raw, log.store, [cp])
    t2 = time.perf_counter()
    assert report.ok
    print(
        f"audit over {n:,} rows hashed as stored (no parsing): hash {t1 - t0:.1f} s "
        f"+ compare {t2 - t1:.1f} s = {t2 - t0:.1f} s wall"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--append", type=int, default=200_000)
    parser.add_argument("--audit", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_append(args.append)
    bench_proofs(args.leaves)
    bench_audit(args.audit)


if __name__ == "__main__":
    main()
