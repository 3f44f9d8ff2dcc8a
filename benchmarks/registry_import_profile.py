"""Profile the product's import path (importers.import_rows) on the demo database.

    .venv/bin/python benchmarks/registry_import_profile.py [ROWS] [--plain]

Migrates a temporary SQLite database, builds the demo, then imports ROWS instrument rows and
ROWS certificate rows (benchmarks/registry_scale.import_path) under cProfile and prints the
30 most expensive calls by cumulative time — to see where the rows/s go.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import os
import pstats
import random
import sys
import tempfile
from pathlib import Path


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(args[0]) if args else 3000
    plain = "--plain" in sys.argv  # timings only, no profiler overhead
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ["JILIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="jiliang-profile-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    import django

    django.setup()
    import _registry_bulk as bulk
    import registry_scale
    from django.core.management import call_command

    from jiliang.registry.demo import build_demo
    from jiliang.registry.models import Institution

    call_command("migrate", verbosity=0)
    build_demo(dt.date.today())
    owners = bulk.make_owners(3, random.Random(11))
    ctx = bulk.context(dt.date.today(), owners)
    uscc = Institution.objects.get(pk=owners[-1][0]).uscc
    if plain:
        out = registry_scale.import_path(ctx, uscc, rows)
        for key, value in out.items():
            if key.endswith("_s"):
                print(f"{key:32} {value:8.3f} s  {rows / value:10,.0f} rows/s")
        return
    profile = cProfile.Profile()
    profile.enable()
    out = registry_scale.import_path(ctx, uscc, rows)
    profile.disable()
    print(out)
    pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(30)


if __name__ == "__main__":
    main()
