"""Small builders of SITE.yaml and READINGS.csv for the energy tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

CST = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 1) -> str:
    """ISO text of a China-time instant in 2026 (day/hour may run past the month's end)."""
    base = dt.datetime(2026, month, 1, tzinfo=CST)
    when = base + dt.timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)
    return when.isoformat()


def site(tmp: Path, points: list[dict[str, Any]], **extra: Any) -> Path:
    """Write a SITE.yaml (period 2026-01-01 .. the given `to`)."""
    doc: dict[str, Any] = {
        "site": "test plant",
        "period": {"from": "2026-01-01", "to": extra.pop("to", "2026-01-01")},
        "coefficients": {"edition": "GB/T 2589-2020", "electricity": "calorific"},
        "points": points,
    }
    doc.update(extra)
    path = tmp / "site.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(doc)), allow_unicode=True), "utf-8")
    return path


def readings(tmp: Path, rows: list[tuple[str, str, float]], name: str = "r.csv") -> Path:
    """Write READINGS.csv with columns point,time,value."""
    path = tmp / name
    lines = ["point,time,value"] + [f"{p},{t},{v!r}" for p, t, v in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def hourly(point: str, day: int, values: list[float]) -> list[tuple[str, str, float]]:
    """Readings of one point at 00:00, 01:00, ... of a day."""
    return [(point, at(day, hour), value) for hour, value in enumerate(values)]
