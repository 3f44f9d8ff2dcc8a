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
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

USERS = ("admin", "regulator_sd", "zibo_lab", "nim_lab", "market")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-path", default="")
    parser.add_argument("--pg-database", default="")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--users", default=",".join(USERS))
    args = parser.parse_args()
    if bool(args.sqlite_path) == bool(args.pg_database):
        parser.error("give one of --sqlite-path or --pg-database (a kept bench database)")
    os.environ["JILIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="jiliang-pages-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    if args.sqlite_path:
        os.environ.pop("JILIANG_DATABASE_URL", None)
        os.environ["JILIANG_SQLITE_PATH"] = args.sqlite_path
    else:
        os.environ["JILIANG_DATABASE_URL"] = (
            f"postgres://postgres@127.0.0.1:5432/{args.pg_database}"
        )

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiliang.accounts.models import User
    from jiliang.registry.models import MeasurementStandard

    setup_test_environment()
    call_command("migrate", verbosity=0)
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
    backend = "sqlite" if args.sqlite_path else "postgres"
    print(f"\nregistry pages at scale ({backend}), median of {args.repeat} (s)")
    print(f"{'page':28} " + " ".join(f"{u:>13}" for u in users))
    for name, row in results.items():
        print(f"{name:28} " + " ".join(f"{row[u]:13.3f}" for u in users))


if __name__ == "__main__":
    main()
