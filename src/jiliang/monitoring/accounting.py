"""Energy and carbon accounts of an energy user, by the core (`jiliang.energy`), fed from here.

The app knows what the core cannot: which registered instrument measures each point (hence
its accuracy class and legal state per day, `legal.py`), the meter replacements and manual
edits recorded here, and where the readings are (the store). It writes a SITE document and a
READINGS file of the period and lets the core's embedded engine do the VEE and accounts, so
the numbers are those of `jiliang energy evaluate` on the same data.

Totals count the points that measure energy entering the boundary (`purchased`); sub-meters
inside it are evaluated for the dashboard but kept out of the totals (no double counting).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from jiliang.monitoring import legal
from jiliang.monitoring.ingest import energy_root
from jiliang.monitoring.models import EnergyUser, ManualEdit, MeasurementPoint, MeterReplacement

CST = dt.timezone(dt.timedelta(hours=8))
# Default factor set per variety (data/energy/factors.yaml keys): the ETS reporting grid
# factor for purchased electricity (MEE 2022, 0.5703 tCO2/MWh) and the fuels' defaults.
DEFAULT_FACTORS = {
    "electricity": "grid-2022-ets",
    "natural_gas": "fuel-default-natural-gas",
    "diesel": "fuel-default-diesel",
    "raw_coal": "fuel-default-raw-coal",
}


def _midnight(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), CST).isoformat()


def _legal_rows(point: MeasurementPoint) -> list[dict[str, Any]]:
    rows = []
    for item in legal.intervals_for(point.instrument):
        start = max(item.start, dt.date(1970, 1, 1))
        if item.end is not None and item.end <= start:
            continue
        rows.append(
            {
                "from": _midnight(start),
                "to": _midnight(item.end) if item.end else None,
                "state": item.state,
            }
        )
    return rows


def site_document(
    energy_user: EnergyUser,
    start: dt.date,
    end: dt.date,
    *,
    edition: str | None = None,
    electricity: str = "calorific",
    factors: dict[str, Any] | None = None,
    purchased_only: bool = True,
) -> dict[str, Any]:
    """The SITE document (docs/energy.md) of the user's points over [start, end]."""
    points = MeasurementPoint.objects.filter(user=energy_user).select_related("instrument")
    if purchased_only:
        points = points.filter(purchased=True)
    out_points = []
    varieties = set()
    for point in points:
        varieties.add(point.variety)
        row: dict[str, Any] = {
            "id": point.code,
            "variety": point.variety,
            "kind": point.kind,
            "unit": point.unit,
            "multiplier": point.multiplier,
            "interval_minutes": point.interval_minutes,
            "legal": _legal_rows(point),
        }
        if point.rollover:
            row["rollover"] = point.rollover
        accuracy = legal.accuracy_percent(point.instrument)
        if accuracy is not None:
            row["accuracy_class"] = accuracy
        replacements = [
            {"time": r.time.isoformat(), "old_final": r.old_final, "new_initial": r.new_initial}
            for r in MeterReplacement.objects.filter(point=point).order_by("time")
        ]
        if replacements and point.kind == "register":
            row["replacements"] = replacements
        out_points.append(row)
    chosen = {v: DEFAULT_FACTORS[v] for v in sorted(varieties) if v in DEFAULT_FACTORS}
    chosen.update(factors or {})
    first = dt.datetime.combine(start, dt.time(), CST)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CST)
    edits = [
        {
            "point": e.point.code,
            "time": e.period_start.isoformat(),
            "value": e.value,
            "who": e.who.get_username(),
            "when": e.when.isoformat(),
            "why": e.why,
        }
        for e in ManualEdit.objects.filter(
            point__user=energy_user,
            point__code__in=[p["id"] for p in out_points],
            period_start__gte=first,
            period_start__lt=last,
        ).select_related("point", "who")
    ]
    coefficients: dict[str, Any] = {"electricity": electricity}
    if edition:
        coefficients["edition"] = edition
    return {
        "site": f"{energy_user.code} {energy_user.institution.name_zh}",
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "coefficients": coefficients,
        "factors": chosen,
        "points": out_points,
        "edits": edits,
    }


def export_readings(
    energy_user: EnergyUser, start: dt.date, end: dt.date, path: Path, points: list[str]
) -> int:
    """The period's deduplicated readings (point, time, value) as a Parquet file.

    One register reading past the end (the next day's 00:00) is kept too, so the last day's
    energy is a difference of registers that closes on midnight."""
    import pyarrow.parquet as pq

    from jiliang.energy.store import scan

    first = dt.datetime.combine(start, dt.time(), CST)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CST)
    relation = scan(
        energy_root(),
        users=[energy_user.code],
        points=points,
        start=first - dt.timedelta(hours=1),
        end=last + dt.timedelta(hours=1),
    )
    table = relation.select("point, time, value").order("point, time").to_arrow_table()
    pq.write_table(table, path)
    return int(table.num_rows)


def evaluate_user(
    energy_user: EnergyUser, start: dt.date, end: dt.date, **options: Any
) -> dict[str, Any]:
    """The core's accounts document of the user over [start, end] (embedded engine)."""
    from jiliang.energy import evaluate, parse_site

    document = site_document(energy_user, start, end, **options)
    if not document["points"]:
        return {"site": document["site"], "points": {}, "totals": None, "readings": 0}
    site = parse_site(document)
    with tempfile.TemporaryDirectory(prefix="jiliang-energy-") as tmp:
        path = Path(tmp) / "readings.parquet"
        export_readings(energy_user, start, end, path, [p["id"] for p in document["points"]])
        result = evaluate(site, path, engine="embedded")
    result["site_document"] = document
    return result
