"""Demo content of the calibration app, called by `jiliang demo` after the registry demo."""

from __future__ import annotations

import datetime as dt
from typing import Any


def build_calibration_demo(summary_or_today: Any = None) -> dict[str, int]:
    """Load the shipped procedures (idempotent), then the city lab's demo jobs: two issued
    with their documents, one ready for the three signatures, one received (demo_jobs).

    ``summary_or_today`` is the registry DemoSummary or a date (default: today).
    """
    from jiliang.calibration import services
    from jiliang.calibration.demo_jobs import build_demo_jobs

    if summary_or_today is None:
        today = dt.date.today()
    elif isinstance(summary_or_today, dt.date):
        today = summary_or_today
    else:
        today = summary_or_today.today
    counts = {"procedures": services.load_builtin_procedures()}
    counts.update(build_demo_jobs(today))
    return counts
