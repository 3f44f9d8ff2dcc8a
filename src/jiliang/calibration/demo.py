"""Demo content of the calibration app, called by `jiliang demo` after the registry demo."""

from __future__ import annotations

import datetime as dt
from typing import Any


def build_calibration_demo(summary_or_today: Any = None) -> dict[str, int]:
    """Load the shipped procedures (idempotent) so the demo labs can receive instruments.

    ``summary_or_today`` (the registry DemoSummary or a date) is accepted for a uniform call;
    jobs are left to the demo user, since a job needs three registered signers of one lab.
    """
    from jiliang.calibration import services

    _ = summary_or_today if summary_or_today is not None else dt.date.today()
    return {"procedures": services.load_builtin_procedures()}
