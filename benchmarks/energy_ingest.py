"""Upload ingest through the API: a real `jiliang serve`, batches of 10^4 readings, several
senders at once; readings per second acknowledged (each ack means durable: Parquet fsync-ed
and the receipt committed). Target (issue 14): >= 50,000 readings/s.

    .venv/bin/python benchmarks/energy_ingest.py [--batches 40] [--items 10000] [--senders 4]
        [--shape meter-days|plant-day] [--compact]

Shapes of a batch: `meter-days` (default, the figure of the issue so far): one meter's
15-minute readings, 10^4 of them = 104 China days: one file in the store's inbox per batch
(before the inbox: 104 day files); `plant-day`: one reporting day of 105 meters (96 readings
each, cut at --items), so one day file per batch - the daily upload of a plant. Uses a fresh
data directory (SQLite) under /tmp; prints the figures, the load average and the server's CPU
seconds per batch. `--compact` then times `jiliang.energy.store.compact` of what was stored
(inbox files into day files) in this process, and checks the readings read the same after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.monitoring import server as srv

CST = dt.timezone(dt.timedelta(hours=8))
PLANT_POINTS = 105  # 105 x 96 >= 10^4: one day of a plant's meters in one batch

ADD_POINTS = """
import django
django.setup()
from jiliang.monitoring.models import EnergyUser, MeasurementPoint
user = EnergyUser.objects.get(code="NM-ALU-01")
main = MeasurementPoint.objects.get(user=user, code="E-MAIN")
for k in range(%d):
    MeasurementPoint.objects.get_or_create(
        user=user, code=f"P-{k:03d}",
        defaults={"node": main.node, "variety": "electricity", "unit": "kWh"},
    )
"""


def body(n: int, items: int) -> bytes:
    start = dt.datetime(2026, 1, 1, tzinfo=CST) + dt.timedelta(minutes=15 * items * n)
    rows = [
        {
            "point": "E-MAIN",
            "start": (start + dt.timedelta(minutes=15 * i)).isoformat(),
            "value": float(n * items + i),
        }
        for i in range(items)
    ]
    return json.dumps({"message_id": f"bench-{n:06d}", "user": "NM-ALU-01", "items": rows}).encode()


def plant_day(n: int, items: int) -> bytes:
    """Day n of the plant: PLANT_POINTS meters x 96 quarter hours, the first `items`."""
    start = dt.datetime(2026, 1, 1, tzinfo=CST) + dt.timedelta(days=n)
    rows = [
        {
            "point": f"P-{i // 96:03d}",
            "start": (start + dt.timedelta(minutes=15 * (i % 96))).isoformat(),
            "value": float(n * items + i),
        }
        for i in range(items)
    ]
    return json.dumps({"message_id": f"day-{n:06d}", "user": "NM-ALU-01", "items": rows}).encode()


def server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) of the server and its workers so far."""
    import psutil

    root = psutil.Process(server.pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def compact_timed(root: Path) -> None:
    """Time the compaction of the store's inbox; the readings must read the same after it."""
    from jiliang.energy.store import compact, scan

    def readings() -> list[tuple[object, ...]]:
        return scan(root, dedupe=False).order("user, point, time").fetchall()

    def one_day_ms() -> float:
        """Median time of a dashboard-like read: one user, one China day, deduplicated."""
        day = dt.datetime(2026, 1, 2, tzinfo=CST)
        spent = []
        for _ in range(7):
            started = time.perf_counter()
            scan(root, users=["NM-ALU-01"], start=day, end=day + dt.timedelta(days=1)).fetchall()
            spent.append(time.perf_counter() - started)
        return sorted(spent)[3] * 1000

    before = readings()
    read_before = one_day_ms()
    started = time.perf_counter()
    moved = compact(root)
    elapsed = time.perf_counter() - started
    assert readings() == before, "compaction changed the readings"
    print(
        f"one-day read          : {read_before:.1f} ms before compaction, {one_day_ms():.1f} ms after"
    )
    days = sum(len(m.day_files) for m in moved)
    rows = sum(m.rows for m in moved)
    print(
        f"compaction            : {len(moved)} inbox files ({rows:,} readings) into {days} day"
        f" files in {elapsed:.2f} s = {rows / max(elapsed, 1e-9):,.0f} readings/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--shape", choices=("meter-days", "plant-day"), default="meter-days")
    parser.add_argument("--compact", action="store_true", help="then time the compaction")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="jiliang-ingest-"))
    token = srv.setup_site(data)
    make = body
    if args.shape == "plant-day":
        subprocess.run(
            [sys.executable, "-c", ADD_POINTS % PLANT_POINTS],
            env=srv.env_for(data),
            cwd=srv.ROOT,
            check=True,
        )
        make = plant_day
    port = srv.free_port()
    server = srv.start(data, port)
    try:
        bodies = [make(n, args.items) for n in range(args.batches)]
        srv.post(port, token, body(10_000_000, 10))  # warm the workers
        srv.post(port, token, body(10_000_001, 10))
        latencies: list[float] = []
        lock = threading.Lock()

        def sender(k: int) -> None:
            for n in range(k, args.batches, args.senders):
                t = time.perf_counter()
                status, answer = srv.post(port, token, bodies[n], timeout=120)
                assert status == 200, answer
                with lock:
                    latencies.append(time.perf_counter() - t)

        cpu_before = server_cpu(server)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(k,)) for k in range(args.senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        cpu = server_cpu(server) - cpu_before
        load_after = os.getloadavg()[0]
        total = args.batches * args.items
        latencies.sort()
        print(f"readings acknowledged : {total:,} in {args.batches} batches of {args.items:,}")
        print(f"batch shape           : {args.shape}")
        print(f"senders               : {args.senders}")
        print(f"wall time             : {elapsed:.2f} s")
        print(f"throughput            : {total / elapsed:,.0f} readings/s (target >= 50,000)")
        print(f"server CPU            : {cpu / args.batches:.3f} s per batch (user + system)")
        print(f"load average (1 min)  : {load_before:.1f} before, {load_after:.1f} after")
        print(
            f"batch latency p50/max : {latencies[len(latencies) // 2]:.3f} / {latencies[-1]:.3f} s"
        )
        if args.compact:
            compact_timed(data / "energy")
    finally:
        srv.stop(server)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
