"""Server time of the search-as-you-type pickers and the record form pages at national scale
(issue 13 §1: fast at 10^6 instruments; "Done when": new forms under 300 ms at p95), per
kind of user, on a database that `registry_scale.py --keep` left behind (reads only).

    .venv/bin/python benchmarks/records_pickers.py --sqlite-path /tmp/records_bench/full.sqlite3

Prints p50 and p95 (nearest rank) of --repeat requests after one warm-up, in milliseconds,
through Django's test client.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _kept_db

USERS = ("admin", "regulator_sd", "zibo_lab", "nim_lab", "market")
TARGET_P95_MS = 300.0
PATHS = {
    "pick instruments, serial prefix": "/api/pick/instruments?q=BENCH00001",
    "pick instruments, no match": "/api/pick/instruments?q=ZZZ-NONE",
    "pick instruments, name prefix": "/api/pick/instruments?q=电子",
    "pick institutions, name": "/api/pick/institutions?q=基准测试企业0001",
    "pick institutions, USCC prefix": "/api/pick/institutions?q=9137",
    "pick regions, name": "/api/pick/regions?q=张店",
    "instrument form": "/records/instruments/new/",
    "customer form": "/records/customers/new/",
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _kept_db.add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--users", default=",".join(USERS))
    args = parser.parse_args()
    backend = _kept_db.open_kept(parser, args)
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiliang.accounts.models import User

    setup_test_environment()
    users = args.users.split(",")
    print(f"pickers and record forms at scale ({backend}), p50 / p95 of {args.repeat} (ms)")
    worst = (0.0, "", "")
    for username in users:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name, path in PATHS.items():
            times, status = [], 0
            for _ in range(args.repeat + 1):
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                status = response.status_code
            sample = times[1:]
            p50, p95 = percentile(sample, 50), percentile(sample, 95)
            print(f"[{username:12}] {name:34} p50 {p50:6.1f}  p95 {p95:6.1f}  ({status})")
            sys.stdout.flush()
            if p95 > worst[0]:
                worst = (p95, name, username)
    print(f"worst p95: {worst[0]:.0f} ms ({worst[1]}, {worst[2]}); target < {TARGET_P95_MS:.0f} ms")


if __name__ == "__main__":
    main()
