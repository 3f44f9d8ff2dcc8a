"""Upload ingest through the API: a real `jiliang serve`, batches of 10^4 readings, several
senders at once; readings per second acknowledged (each ack means durable: Parquet fsync-ed
and the receipt committed). Target (issue 14): >= 50,000 readings/s.

    .venv/bin/python benchmarks/energy_ingest.py [--batches 40] [--items 10000] [--senders 4]

Uses a fresh data directory (SQLite) under /tmp; prints the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.monitoring import server as srv

CST = dt.timezone(dt.timedelta(hours=8))


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=4)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="jiliang-ingest-"))
    token = srv.setup_site(data)
    port = srv.free_port()
    server = srv.start(data, port)
    try:
        bodies = [body(n, args.items) for n in range(args.batches)]
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

        started = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(k,)) for k in range(args.senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        total = args.batches * args.items
        latencies.sort()
        print(f"readings acknowledged : {total:,} in {args.batches} batches of {args.items:,}")
        print(f"senders               : {args.senders}")
        print(f"wall time             : {elapsed:.2f} s")
        print(f"throughput            : {total / elapsed:,.0f} readings/s (target >= 50,000)")
        print(
            f"batch latency p50/max : {latencies[len(latencies) // 2]:.3f} / {latencies[-1]:.3f} s"
        )
    finally:
        srv.stop(server)


if __name__ == "__main__":
    main()
