"""Energy and carbon accounts of a site from its daily figures: tce, CO2 and their uncertainty.

- tce = quantity (base unit) × coefficient (kgce per base unit, GB/T 2589 edition of the
  SITE) / 1000; electricity by its 当量值 (calorific, 0.1229 kgce/kWh) unless the SITE asks
  for the 等价值 of a year.
- CO2 = Σ_variety AD × EF, with EF = NCV × CC × OF × 44/12 for fuels or the grid factor for
  purchased electricity. Activity data measured while the meter was overdue, failed or
  unregistered is raised by the conservative correction (data/energy/factors.yaml).
- Uncertainty, IPCC 2006 Vol. 1 ch. 3 approach 1 (error propagation, uncorrelated): each
  meter of accuracy class c % is a rectangular limit, u = q·c/(100·√3); u(E_v)² =
  (EF·u(AD_v))² + (AD_v·EF·u_rel(EF))²; u(E)² = Σ u(E_v)²; U = k·u with k = 2.
  Approach 2 (Monte Carlo, JCGM 101) through ``jiliang.uncertainty``: ``co2_monte_carlo``.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from typing import Any

import numpy as np

from jiliang.energy import _data
from jiliang.energy._errors import SiteError
from jiliang.energy._site import Site
from jiliang.energy._vee import BIT, DailyResult, flag_names

K = 2.0


def tce_coefficient(site: Site, variety: str) -> tuple[float, dict[str, Any]]:
    """kgce per base unit of a variety under the site's edition and electricity basis."""
    edition = _data.edition(site.edition)
    assert edition is not None  # checked when the site was parsed
    row = edition["varieties"].get(variety)
    if row is None:
        raise SiteError(f"coefficients.edition: {site.edition} has no coefficient for {variety}")
    if variety == "electricity":
        if site.electricity_basis == "equivalent":
            table = row["equivalent_value"]
            value = float(table["by_year"][site.basis_year])
            return value, {
                "basis": f"equivalent value (等价值) {site.basis_year}",
                "confirmed": bool(table["confirmed"]),
            }
        return float(row["equivalent_calorific"]), {
            "basis": "calorific equivalent (当量值)",
            "confirmed": bool(row["confirmed"]),
        }
    return float(row["kgce_per_unit"]), {"confirmed": bool(row["confirmed"])}


def _month_checks(
    site: Site, result: DailyResult, index: int, tolerance: float
) -> list[dict[str, Any]]:
    """Σ daily vs the reported monthly figure of a point; flags the month's days on mismatch."""
    point = site.points[index]
    out: list[dict[str, Any]] = []
    if not point.monthly:
        return out
    days = site.days
    n_days = len(days)
    for month, reported in point.monthly:
        rows = [index * n_days + k for k, day in enumerate(days) if day.strftime("%Y-%m") == month]
        if not rows:
            continue
        total = float(result.quantity[rows].sum())
        deviation = (total - reported) / reported if reported else math.inf
        ok = abs(deviation) <= tolerance
        if not ok:
            result.flags[rows] |= BIT["monthly_mismatch"]
        out.append(
            {
                "month": month,
                "daily_sum": total,
                "reported": reported,
                "deviation": deviation if math.isfinite(deviation) else None,
                "ok": ok,
            }
        )
    return out


def accounts(site: Site, result: DailyResult) -> dict[str, Any]:
    """The JSON document of ``jiliang energy evaluate`` (docs/energy.md, "Output").

    Built with the cyclic garbage collector paused: the document holds ~10^5 small dicts
    and no cycle, and the collections that their allocation triggers took two thirds of
    the time (0.32-0.43 s → 0.14 s at 10^5 point-days).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _accounts(site, result)
    finally:
        if was_enabled:
            gc.enable()


def _accounts(site: Site, result: DailyResult) -> dict[str, Any]:
    rules = _data.vee_rules()
    days = site.days
    n_days = len(days)
    points: dict[str, Any] = {}
    months = {
        index: _month_checks(site, result, index, float(rules["daily_monthly_tolerance"]))
        for index in range(len(site.points))
    }
    by_variety: dict[str, dict[str, float]] = defaultdict(
        lambda: {"quantity": 0.0, "not_verified": 0.0, "unknown": 0.0, "u2": 0.0}
    )
    unclassed: list[str] = []
    day_names = [day.isoformat() for day in days]
    # whole columns to Python once (tolist), not an element at a time: a national run has
    # ~10^5 point-days, and indexing numpy per value was a fifth of the evaluation
    completeness = (result.valid / result.expected).tolist()
    columns = {
        name: getattr(result, name).tolist()
        for name in ("quantity", "flags", "estimated", "not_verified")
    }
    # the names of each distinct mask once (a few dozen masks for 10^5 point-days)
    names = {mask: flag_names(mask) for mask in set(columns["flags"])}
    # per-point sums as numpy takes them for one point (pairwise along each row)
    shape = (len(site.points), n_days)
    sums = {
        name: getattr(result, name).reshape(shape).sum(axis=1).tolist()
        for name in ("quantity", "not_verified", "unknown")
    }
    for index, point in enumerate(site.points):
        rows = slice(index * n_days, (index + 1) * n_days)
        unit = point.unit
        entries = [
            {
                "day": day,
                "quantity": quantity,
                "unit": unit,
                "completeness": complete,
                "flags": names[flags].copy(),
                "estimated": estimated,
                "not_verified": not_verified,
            }
            for day, quantity, complete, flags, estimated, not_verified in zip(
                day_names,
                columns["quantity"][rows],
                completeness[rows],
                columns["flags"][rows],
                columns["estimated"][rows],
                columns["not_verified"][rows],
                strict=True,
            )
        ]
        total = sums["quantity"][index]
        points[point.id] = {
            "variety": point.variety,
            "unit": point.unit,
            "quantity": total,
            "days": entries,
            "months": months[index],
        }
        to_base = _data.unit_factor(point.variety, point.unit) or 1.0
        acc = by_variety[point.variety]
        acc["quantity"] += total * to_base
        acc["not_verified"] += sums["not_verified"][index] * to_base
        acc["unknown"] += sums["unknown"][index] * to_base
        if point.accuracy_class is None:
            unclassed.append(point.id)
        else:
            u = total * to_base * point.accuracy_class / 100.0 / math.sqrt(3.0)
            acc["u2"] += u * u
    correction = _data.conservative_correction()
    relative = float(correction["relative"])
    variety_out: dict[str, Any] = {}
    tce_total = tce_u2 = 0.0
    co2 = co2_u2 = 0.0
    co2_rows: dict[str, Any] = {}
    without_factor: list[str] = []
    weighted_verified = weighted_all = 0.0
    for variety in sorted(by_variety):
        acc = by_variety[variety]
        base_unit = _data.varieties()[variety]["base_unit"]
        kgce, meta = tce_coefficient(site, variety)
        tce = acc["quantity"] * kgce / 1000.0
        tce_total += tce
        tce_u2 += acc["u2"] * (kgce / 1000.0) ** 2
        verified = acc["quantity"] - acc["not_verified"] - acc["unknown"]
        share = verified / acc["quantity"] if acc["quantity"] > 0 else None
        weighted_verified += verified * kgce
        weighted_all += acc["quantity"] * kgce
        variety_out[variety] = {
            "quantity": acc["quantity"],
            "unit": base_unit,
            "tce": tce,
            "kgce_per_unit": kgce,
            "coefficient": meta,
            "verified_share": share,
            "not_verified": acc["not_verified"],
            "state_unknown": acc["unknown"],
        }
        factor = site.factors.get(variety)
        if factor is None:
            without_factor.append(variety)
            continue
        added = acc["not_verified"] * relative
        ad = acc["quantity"] + added
        emission = ad * factor.per_base_unit
        u2 = (factor.per_base_unit**2) * acc["u2"] + (emission * factor.u_rel) ** 2
        co2 += emission
        co2_u2 += u2
        co2_rows[variety] = {
            "activity": ad,
            "unit": base_unit,
            "correction_added": added,
            "factor": factor.per_base_unit,
            "factor_unit": f"tCO2/{base_unit}",
            "factor_u_rel": factor.u_rel,
            "factor_source": factor.description,
            "factor_confirmed": factor.confirmed,
            "co2": emission,
            "u": math.sqrt(u2),
        }
    u_co2 = math.sqrt(co2_u2)
    elec = _data.edition(site.edition)
    return {
        "site": site.name,
        "period": {"from": site.start.isoformat(), "to": site.end.isoformat()},
        "points": points,
        "totals": {
            "by_variety": variety_out,
            "tce": tce_total,
            "tce_u": math.sqrt(tce_u2),
            "co2": {
                "value": co2,
                "u": u_co2,
                "U": K * u_co2,
                "k": K,
                "unit": "t",
                "method": "IPCC 2006 Vol. 1 ch. 3 approach 1 (error propagation)",
                "by_variety": co2_rows,
                "without_factor": without_factor,
                "correction": {
                    "relative": relative,
                    "states": list(correction["states"]),
                    "source": correction["source"],
                    "confirmed": bool(correction["confirmed"]),
                },
            },
            "verified_share": (weighted_verified / weighted_all) if weighted_all > 0 else None,
            "points_without_accuracy_class": unclassed,
            "coefficients": {
                "edition": site.edition,
                "document": elec["document"] if elec else site.edition,
                "electricity_basis": site.electricity_basis,
                "year": site.basis_year,
            },
        },
        "flags": list(
            flag_names(int(np.bitwise_or.reduce(result.flags)) if len(result.flags) else 0)
        ),
    }


def co2_monte_carlo(
    document: dict[str, Any], site: Site, *, trials: int = 200_000, seed: int = 1
) -> dict[str, float]:
    """Approach 2: Monte Carlo (JCGM 101) of the CO2 total over meter and factor errors.

    Each point's quantity varies by a rectangular relative error of ± its accuracy class, each
    factor by a normal relative error u_rel; returns value, u and the 95 % interval.
    """
    from jiliang.uncertainty import Input, Model, Normal, Rectangular, evaluate_mc

    inputs: dict[str, Input] = {}
    terms: list[str] = []
    co2_rows = document["totals"]["co2"]["by_variety"]
    correction = document["totals"]["co2"]["correction"]["relative"]
    for vi, variety in enumerate(sorted(co2_rows)):
        row = co2_rows[variety]
        factor_name = f"f{vi}"
        if row["factor_u_rel"] > 0:
            sd = row["factor"] * row["factor_u_rel"]
            inputs[factor_name] = Input(row["factor"], sd, distribution=Normal(row["factor"], sd))
            factor = factor_name
        else:
            factor = repr(row["factor"])
        parts: list[str] = []
        for index, point in enumerate(site.points):
            if point.variety != variety:
                continue
            info = document["points"][point.id]
            to_base = _data.unit_factor(variety, point.unit) or 1.0
            nv = sum(day["not_verified"] for day in info["days"])
            q = (info["quantity"] + nv * correction) * to_base
            if point.accuracy_class:
                half = q * point.accuracy_class / 100.0
                name = f"q{index}"
                inputs[name] = Input(q, half / math.sqrt(3.0), distribution=Rectangular(q, half))
                parts.append(name)
            else:
                parts.append(repr(q))
        terms.append(f"{factor}*({' + '.join(parts) or '0'})")
    if not inputs:
        value = float(document["totals"]["co2"]["value"])
        return {"value": value, "u": 0.0, "low": value, "high": value}
    model = Model(inputs, {"co2": " + ".join(terms) or "0"})
    result = evaluate_mc(model, trials, seed=seed)["co2"]
    low, high = result.interval_symmetric
    return {"value": result.value, "u": result.u, "low": low, "high": high}
