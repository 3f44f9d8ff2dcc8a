"""Where the store's inbox starts to pay (``INBOX_DAYS`` in `jiliang.energy._store`): the
durable write of one 10^4-reading batch of one meter spanning k China days, as k day files
(the day layout) and as one inbox file, through the ingest path's parallel writer.

    .venv/bin/python benchmarks/energy_inbox_threshold.py [--repeat 15] [--root /tmp/x]

Prints, per k, the median milliseconds of both forms and their ratio; the root must be on the
disk the store uses (default: a fresh directory under /tmp).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import jiliang.energy._store as core
from jiliang.energy.store import rows_to_table
from jiliang.monitoring.ingest_write import write_table

ITEMS = 10_000
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def batch(days: int, n: int) -> object:
    step = dt.timedelta(seconds=days * 86_400 / ITEMS)
    rows = [
        {
            "user": "U1",
            "point": "P1",
            "time": START + step * i,
            "value": float(n * ITEMS + i),
            "kind": "register",
        }
        for i in range(ITEMS)
    ]
    return rows_to_table(rows, f"b-{days}-{n}")


def timed(root: Path, days: int, repeat: int, inbox_days: int) -> float:
    core.INBOX_DAYS = inbox_days  # the threshold the writers read: force one form
    tables = [batch(days, n) for n in range(repeat + 1)]
    write_table(root, tables[0], "warm")  # the day directories exist, as for a live store
    spent = []
    for n, table in enumerate(tables[1:]):
        started = time.perf_counter()
        write_table(root, table, f"b-{days}-{n}")
        spent.append(time.perf_counter() - started)
    return statistics.median(spent) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args()
    base = args.root or Path(tempfile.mkdtemp(prefix="jiliang-inbox-"))
    try:
        print(" k days | day files ms | inbox file ms | ratio")
        for days in (1, 2, 3, 4, 5, 7, 8, 10, 14, 28, 52, 104):
            as_days = timed(base / f"days-{days}", days, args.repeat, 10**6)
            as_inbox = timed(base / f"inbox-{days}", days, args.repeat, 0)
            print(f" {days:6d} | {as_days:12.1f} | {as_inbox:13.1f} | {as_days / as_inbox:5.2f}")
    finally:
        if args.root is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
