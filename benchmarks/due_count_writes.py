"""What the due-count triggers (registry migration 0013_due_counts) cost the writes: rows
per second inserted into, and due dates rewritten in, an instrument table with and without
them, in SQLite (in memory, so the figure is the triggers' CPU, not the disk).

    .venv/bin/python benchmarks/due_count_writes.py --rows 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import random
import sqlite3
import time
from pathlib import Path

MIGRATION = (
    Path(__file__).resolve().parents[1] / "src/jiliang/registry/migrations/0013_due_counts.py"
)
TABLES = """
CREATE TABLE registry_instrument (id INTEGER PRIMARY KEY, division_code TEXT, status TEXT,
    due_date TEXT, name TEXT);
CREATE INDEX instrument_division_due ON registry_instrument (division_code, due_date);
CREATE TABLE registry_duedaycount (id INTEGER PRIMARY KEY, division_code TEXT, status TEXT,
    due TEXT, n INTEGER);
CREATE UNIQUE INDEX due_day_count_key ON registry_duedaycount (status, due, division_code);
"""


def triggers() -> list[str]:
    spec = importlib.util.spec_from_file_location("due_counts_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.SQLITE_TRIGGERS)


def run(rows: int, with_triggers: bool) -> tuple[float, float]:
    db = sqlite3.connect(":memory:")
    db.executescript(TABLES)
    if with_triggers:
        for sql in triggers():
            db.execute(sql)
    rng = random.Random(7)
    start_day = dt.date(2026, 1, 1)
    data = [
        (
            rng.choice(("370302", "370303", "370100", "110105")),
            "in_service",
            (start_day + dt.timedelta(days=rng.randint(0, 730))).isoformat(),
            "秤",
        )
        for _ in range(rows)
    ]
    t = time.perf_counter()
    db.executemany(
        "INSERT INTO registry_instrument (division_code, status, due_date, name)"
        " VALUES (?, ?, ?, ?)",
        data,
    )
    db.commit()
    insert = rows / (time.perf_counter() - t)
    t = time.perf_counter()
    db.execute("UPDATE registry_instrument SET due_date = date(due_date, '+365 days')")
    db.commit()
    update = rows / (time.perf_counter() - t)
    if with_triggers:
        live = db.execute("SELECT COUNT(*) FROM registry_instrument").fetchone()[0]
        assert db.execute("SELECT SUM(n) FROM registry_duedaycount").fetchone()[0] == live
    return insert, update


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; rows {args.rows:,}; best of {args.repeat}")
    for label, flag in (("without triggers", False), ("with triggers", True)):
        runs = [run(args.rows, flag) for _ in range(args.repeat)]
        best = [max(r[0] for r in runs), max(r[1] for r in runs)]
        print(f"{label:18} insert {best[0]:>10,.0f} rows/s   rewrite due {best[1]:>10,.0f} rows/s")


if __name__ == "__main__":
    main()
