"""Figures of the dashboards: an energy user's own, and a regulator's region.

Everything comes from the core's accounts (`accounting.evaluate_user`) and the store; the
window ends on the day of the user's latest upload, so a plant that stopped uploading shows
its last data and an alert rather than an empty chart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone

from jiliang.monitoring import legal
from jiliang.monitoring.accounting import CST, evaluate_user
from jiliang.monitoring.ingest import energy_root
from jiliang.monitoring.models import EnergyUser, MeasurementPoint, UploadBatch

WINDOW_DAYS = 90
CURVE_DAYS = 7
DUE_SOON_DAYS = 60
# An energy user whose newest reading is older than this is listed as missing uploads
# (GB/T 37947 platforms expect 15-minute data at least daily).
MISSING_AFTER = dt.timedelta(hours=24)


def first_day(energy_user: EnergyUser) -> dt.date | None:
    oldest = UploadBatch.objects.filter(user=energy_user).aggregate(m=Min("first_start"))["m"]
    return None if oldest is None else oldest.astimezone(CST).date()


def window(energy_user: EnergyUser, days: int) -> tuple[dt.date, dt.date] | None:
    """The last `days` days up to the newest upload, never before the first reading (no
    estimates are made for days before a user started uploading)."""
    end, begin = last_day(energy_user), first_day(energy_user)
    if end is None or begin is None:
        return None
    return max(begin, end - dt.timedelta(days=days - 1)), end


def last_day(energy_user: EnergyUser) -> dt.date | None:
    newest = UploadBatch.objects.filter(user=energy_user).aggregate(m=Max("last_start"))["m"]
    if newest is None:
        return None
    return (newest.astimezone(CST) - dt.timedelta(seconds=1)).date()


def _load_curve(energy_user: EnergyUser, end: dt.date) -> dict[str, Any]:
    """Electric power (kW) of the boundary meters per period over the last days: the
    difference of consecutive registers × multiplier ÷ period length (rollovers unwrapped)."""
    from jiliang.energy.store import scan

    points = {
        p.code: p
        for p in MeasurementPoint.objects.filter(
            user=energy_user, variety="electricity", purchased=True
        )
    }
    if not points:
        return {"time": [], "kw": []}
    first = dt.datetime.combine(end - dt.timedelta(days=CURVE_DAYS - 1), dt.time(), CST)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CST)
    # one hour past the window: the register at the next midnight closes the last period
    rel = scan(
        energy_root(),
        users=[energy_user.code],
        points=list(points),
        start=first,
        end=last + dt.timedelta(hours=1),
    )
    rows = rel.select("point, time, value, kind").order("point, time").fetchall()
    power: dict[dt.datetime, float] = defaultdict(float)
    previous: dict[str, tuple[dt.datetime, float]] = {}
    for code, time, value, kind in rows:
        point = points[code]
        hours = point.interval_minutes / 60.0
        if kind == "interval":
            if time < last:
                power[time] += value * point.multiplier / hours
            continue
        before = previous.get(code)
        previous[code] = (time, value)
        if (
            before is None
            or before[0] >= last
            or (time - before[0]) != dt.timedelta(minutes=point.interval_minutes)
        ):
            continue  # a gap: no power for that period
        step = value - before[1]
        if step < 0 and point.rollover:
            step += point.rollover + 10 ** -_decimals(point.rollover)
        if step < 0:
            continue  # a replaced meter: the core accounts for it, the curve skips it
        power[before[0]] += step * point.multiplier / hours
    times = sorted(power)
    return {
        "time": [t.astimezone(CST).isoformat() for t in times],
        "kw": [round(power[t], 3) for t in times],
    }


def _decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _meters_due(energy_user: EnergyUser, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for point in (
        MeasurementPoint.objects.filter(user=energy_user)
        .select_related("instrument")
        .order_by("code")
    ):
        state = legal.state_on(legal.intervals_for(point.instrument), today)
        soon = state.due is not None and state.due <= today + dt.timedelta(days=DUE_SOON_DAYS)
        if state.state != "verified" or soon:
            rows.append(
                {
                    "point": point.code,
                    "instrument": point.instrument.serial_number if point.instrument else "",
                    "instrument_id": point.instrument_id,
                    "state": state.state,
                    "due": state.due.isoformat() if state.due else None,
                }
            )
    return rows


def user_dashboard(energy_user: EnergyUser, days: int = WINDOW_DAYS) -> dict[str, Any]:
    """Daily energy, tce and CO₂ per day, load curve, data quality and meters due."""
    span = window(energy_user, days)
    today = timezone.localdate()
    base: dict[str, Any] = {
        "user": energy_user.code,
        "name": energy_user.institution.name_zh,
        "meters_due": _meters_due(energy_user, today),
    }
    if span is None:
        return base | {"empty": True}
    start, end = span
    days = (end - start).days + 1
    doc = evaluate_user(energy_user, start, end)
    totals = doc["totals"] or {}
    by_variety = totals.get("by_variety") or {}
    co2_rows = (totals.get("co2") or {}).get("by_variety") or {}
    relative = ((totals.get("co2") or {}).get("correction") or {}).get("relative", 0.0)
    day_names = [start + dt.timedelta(days=i) for i in range(days)]
    daily: dict[str, list[float]] = {}
    tce = [0.0] * days
    co2 = [0.0] * days
    completeness: dict[str, float] = {}
    flags: dict[str, int] = defaultdict(int)
    for pid, info in doc["points"].items():
        variety = info["variety"]
        series = daily.setdefault(variety, [0.0] * days)
        kgce = (by_variety.get(variety) or {}).get("kgce_per_unit", 0.0)
        factor = (co2_rows.get(variety) or {}).get("factor", 0.0)
        for k, day in enumerate(info["days"]):
            series[k] += day["quantity"]
            tce[k] += day["quantity"] * kgce / 1000.0
            co2[k] += (day["quantity"] + day["not_verified"] * relative) * factor
            for flag in day["flags"]:
                flags[flag] += 1
        completeness[pid] = sum(d["completeness"] for d in info["days"]) / max(1, len(info["days"]))
    return base | {
        "empty": False,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "days": [d.isoformat() for d in day_names],
        "daily": {v: [round(x, 3) for x in s] for v, s in daily.items()},
        "units": {v: (by_variety.get(v) or {}).get("unit", "") for v in daily},
        "tce_daily": [round(x, 4) for x in tce],
        "co2_daily": [round(x, 4) for x in co2],
        "tce": totals.get("tce"),
        "tce_u": totals.get("tce_u"),
        "co2": (totals.get("co2") or {}).get("value"),
        "co2_U": (totals.get("co2") or {}).get("U"),
        "verified_share": totals.get("verified_share"),
        "completeness": completeness,
        "flags": dict(flags),
        "coefficients": totals.get("coefficients"),
        "load": _load_curve(energy_user, end),
    }


def region_rows(users: Any, days: int = 30) -> list[dict[str, Any]]:
    """One row per energy user: consumption, intensity, completeness, unverified share,
    and an alert when its newest reading is older than MISSING_AFTER."""
    now = timezone.now()
    rows = []
    for energy_user in users.select_related("institution"):
        span = window(energy_user, days)
        newest = UploadBatch.objects.filter(user=energy_user).aggregate(m=Max("last_start"))["m"]
        row: dict[str, Any] = {
            "code": energy_user.code,
            "name": energy_user.institution.name_zh,
            "division_code": energy_user.institution.division_code,
            "sector": energy_user.sector,
            "newest": newest.astimezone(CST).isoformat() if newest else None,
            "missing": newest is None or now - newest > MISSING_AFTER,
            "tce": None,
            "intensity": None,
            "completeness": None,
            "unverified_share": None,
        }
        if span is not None:
            doc = evaluate_user(energy_user, *span)
            totals = doc["totals"] or {}
            tce = totals.get("tce")
            row["tce"] = tce
            if tce is not None and energy_user.annual_output:
                # tce per unit of product: the window's consumption against the window's
                # share of the declared annual output
                length = (span[1] - span[0]).days + 1
                row["intensity"] = tce * 1000.0 / (energy_user.annual_output * length / 365.0)
                row["intensity_unit"] = f"kgce/{energy_user.output_unit}"
            values = [d["completeness"] for p in doc["points"].values() for d in p["days"]]
            row["completeness"] = sum(values) / len(values) if values else None
            share = totals.get("verified_share")
            row["unverified_share"] = None if share is None else 1.0 - share
        rows.append(row)
    rows.sort(key=lambda r: -(r["tce"] or 0.0))
    return rows
