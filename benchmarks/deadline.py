"""Working-day clock speed: due dates of 10,000 cases of 80 working days with one pause each
(what a regulator's queue computes when it lists every open case).

    .venv/bin/python benchmarks/deadline.py
"""

from __future__ import annotations

import datetime as dt
import time

from jiliang.workdays import Pause, add_working_days, remaining_working_days

CASES = 10_000


def main() -> None:
    start = dt.date(2025, 1, 2)
    t0 = time.perf_counter()
    for i in range(CASES):
        day = start + dt.timedelta(days=i % 300)
        pause = Pause(day + dt.timedelta(days=10), day + dt.timedelta(days=20))
        due = add_working_days(day, 80, [pause]).due
        remaining_working_days(day + dt.timedelta(days=30), due, [pause])
    elapsed = time.perf_counter() - t0
    print(
        f"{CASES} cases (due date + remaining, 80 working days, one pause): {elapsed:.2f} s, "
        f"{1e6 * elapsed / CASES:.0f} us per case"
    )


if __name__ == "__main__":
    main()
