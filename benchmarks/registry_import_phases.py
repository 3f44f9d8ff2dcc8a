"""Where an import's time goes, step by step, on a kept full-scale database.

Runs the scale benchmark's import path (`registry_scale.import_path`: ROWS instruments, then
ROWS certificates for them, under fresh serial numbers) on a database that
`registry_scale.py --keep` left behind, and prints the seconds spent in each step of
`importers.import_rows`: validation, the row writes, the due-date refresh, the change log, the
commit (on PostgreSQL: the deferred foreign-key checks) and the whole, committed and with the
ledger's logging after the commit. It writes rows each run (the database grows by 3×ROWS).

    .venv/bin/python benchmarks/registry_import_phases.py --sqlite-path /work/bench/final.sqlite3
    .venv/bin/python benchmarks/registry_import_phases.py --pg-database jiliang_final
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _kept_db
import _machine

STEPS = {
    "_build_instruments": "validation",
    "_build_certificates": "validation",
    "insert_dicts": "rows (with the change log's chunks)",
    "insert_rows": "certificate→standard links",
    "refresh_due_dates": "due-date refresh",
    "note_worked": "laboratory access (worked on)",
    "_record_created": "change log (one bulk creation)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _kept_db.add_arguments(parser)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    _kept_db.open_kept(parser, args)
    import _registry_bulk as bulk
    import registry_scale
    from django.db.backends.base import base

    from jiliang.registry import importers
    from jiliang.registry.models import Institution

    spent: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*a: Any, **k: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return run

    for name in STEPS:
        setattr(importers, name, timed(name, getattr(importers, name)))
    base.BaseDatabaseWrapper._commit = timed("commit", base.BaseDatabaseWrapper._commit)  # type: ignore[method-assign]

    plain_import = registry_scale.timed_import
    rows = args.rows

    def report(out: dict[str, Any], kind: str, batch: Any, user: Any) -> Any:
        spent.clear()
        result = plain_import(out, kind, batch, user)
        whole, committed = out[f"import_{kind}_s"], out[f"import_{kind}_commit_s"]
        print(f"\n{kind}: {rows:,} rows")
        print(f"  {'committed':40} {committed:7.3f} s  {rows / committed:9,.0f} rows/s")
        print(f"  {'with the ledger logging them':40} {whole:7.3f} s  {rows / whole:9,.0f} rows/s")
        for name, seconds in spent.items():
            label = "commit (deferred checks, WAL)" if name == "commit" else STEPS[name]
            print(f"    {label:38} {seconds:7.3f} s")
        return result

    registry_scale.timed_import = report
    owners = list(
        Institution.objects.filter(name_zh__startswith="基准测试企业")
        .order_by("pk")
        .values_list("pk", "division_code")
    )
    ctx = bulk.context(dt.date.today(), owners)
    owner_uscc = Institution.objects.get(pk=owners[-1][0]).uscc
    tag = f"F{int(time.time()) % 10**6:06d}-"
    registry_scale.import_path(ctx, owner_uscc, rows, tag)
    print(f"\nmachine: 10^7 Python loop additions in {_machine.python_loop_seconds():.2f} s")
    print("(rows includes the change log's chunks, which the change-log line also counts)")


if __name__ == "__main__":
    main()
