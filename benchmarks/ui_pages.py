"""Server time of the registry's web pages on the demo dataset (about 1,000 instruments and
3,000 certificates), through Django's test client on a temporary SQLite file.

Why: the pages call the same services as the API and the CLI, but they add rendering,
pagination and per-row derived fields (mandatory status, due date); this shows whether a page
stays interactive on a realistic installation. It is a measurement, not a test.

    .venv/bin/python benchmarks/ui_pages.py [--repeat 7]

Prints the median and the best of --repeat requests per page, in milliseconds, and the
number of SQL queries per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="jiliang-ui-bench-"))
    os.environ["JILIANG_DATA_DIR"] = str(workdir)
    os.environ["JILIANG_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    os.environ.pop("JILIANG_DATABASE_URL", None)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = True  # count queries
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)

    from jiliang.accounts.models import User
    from jiliang.registry.demo import build_demo
    from jiliang.registry.models import Instrument, MeasurementStandard

    started = time.perf_counter()
    summary = build_demo()
    print(f"demo built in {time.perf_counter() - started:.1f} s: {summary.counts}")

    top = summary.highlights["top_standard"]
    e2 = MeasurementStandard.objects.get(code="SDJL-M-E2").pk
    scale = summary.highlights["valid_chain_instrument"]
    pages = {
        "home": "/",
        "instrument list (25 rows)": "/instruments/",
        "instrument list, search": "/instruments/?q=ACS-15",
        "instrument detail": f"/instruments/{scale}/",
        "instrument trace up": f"/instruments/{scale}/trace-up/",
        "standard detail (E2)": f"/standards/{e2}/",
        "trace down GJJ(力)0101": f"/standards/{top}/trace-down/",
        "impact E2 (page)": f"/standards/{e2}/impact/?on=2026-06-01",
        "impact E2 (CSV)": f"/standards/{e2}/impact/?on=2026-06-01&format=csv",
        "impact E2 (Excel)": f"/standards/{e2}/impact/?on=2026-06-01&format=xlsx",
        "due list": "/due/",
        "due list (Excel)": "/due/?format=xlsx",
        "certificate list": "/certificates/",
    }
    for username in ("admin", "zibo_lab", "market"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/")  # warm up imports and templates
        print(f"\nuser {username} (instruments visible: ", end="")
        print(f"{Instrument.objects.visible_to(User.objects.get(username=username)).count()})")
        print(f"{'page':32} {'median ms':>10} {'best ms':>9} {'queries':>8}")
        for name, path in pages.items():
            times = []
            queries = 0
            for _ in range(args.repeat):
                reset_queries()
                t0 = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                queries = len(connection.queries)
                if response.status_code != 200:
                    print(f"{name}: HTTP {response.status_code}", file=sys.stderr)
                    break
            print(f"{name:32} {statistics.median(times):10.1f} {min(times):9.1f} {queries:8d}")


if __name__ == "__main__":
    main()
