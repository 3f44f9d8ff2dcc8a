"""Server time of the registry's list pages at national scale, per kind of user.

Runs on a database that `registry_scale.py --keep` left behind (10^6 instruments, 2×10^6
certificates) and reads only. Why: the scale benchmark measures the national view (an
administrator); a regulator or a laboratory sees part of the registry, and every one of its
queries adds that restriction, which can change the plan.

    .venv/bin/python benchmarks/registry_pages.py --sqlite-path /work/bench/full.sqlite3
    .venv/bin/python benchmarks/registry_pages.py --pg-database jiliang_bench

Prints, per user and page, the median of --repeat requests after one warm-up request
(seconds), through Django's test client.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _kept_db

USERS = ("admin", "regulator_sd", "zibo_lab", "nim_lab", "market")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _kept_db.add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--users", default=",".join(USERS))
    args = parser.parse_args()
    backend = _kept_db.open_kept(parser, args)
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiliang.accounts.models import User
    from jiliang.registry.models import MeasurementStandard

    setup_test_environment()
    kilogram = MeasurementStandard.objects.get(code="GJJ(力)0101").pk
    pages = {
        "instrument list": "/instruments/",
        "certificate list": "/certificates/",
        "due list": "/due/",
        "trace down of the kilogram": f"/standards/{kilogram}/trace-down/",
    }
    users = args.users.split(",")
    results: dict[str, dict[str, float]] = {}
    for username in users:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/")  # warm up imports and templates
        for name, path in pages.items():
            times = []
            for _ in range(args.repeat + 1):
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, (username, path, response.status_code)
            results.setdefault(name, {})[username] = statistics.median(times[1:])
            print(f"[{username}] {name}: {results[name][username]:.3f} s", flush=True)
    print(f"\nregistry pages at scale ({backend}), median of {args.repeat} (s)")
    print(f"{'page':28} " + " ".join(f"{u:>13}" for u in users))
    for name, row in results.items():
        print(f"{name:28} " + " ".join(f"{row[u]:13.3f}" for u in users))


if __name__ == "__main__":
    main()
