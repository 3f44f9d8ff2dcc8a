"""Match a measurement demand against CMCs: who can measure this point well enough.

A CMC matches when its quantity is the demand's, its range covers the demanded value or range
(units converted with pint), and its U evaluated at the demanded points, rescaled to the
demand's coverage factor (U·k_demand/k_cmc, i.e. the same standard uncertainty), does not
exceed the required U. Matches rank by distance, then turnaround, then U; every CMC left out
carries the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from jiliang.capability._errors import CapabilityError
from jiliang.capability._evaluate import u_at
from jiliang.capability._model import Cmc, Demand, Location
from jiliang.capability._units import compatible, convert, relative_factor

__all__ = ["Excluded", "Match", "MatchResult", "distance_km", "match"]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


@dataclass(frozen=True)
class Match:
    cmc: Cmc
    u: float  # worst U over the demanded points, in the demand's required-U unit, k of demand
    unit: str
    distance_km: float | None


@dataclass(frozen=True)
class Excluded:
    cmc: Cmc
    reason: str


@dataclass(frozen=True)
class MatchResult:
    demand: Demand
    matches: list[Match]
    excluded: list[Excluded]


def distance_km(a: Location, b: Location) -> float | None:
    """Great-circle (haversine) distance, or None when either place has no coordinates."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _required_abs(demand: Demand, x: float) -> tuple[float, str]:
    """The required U at x as an absolute value and its unit (relative units multiply |x|)."""
    factor = relative_factor(demand.required_u_unit)
    if factor is not None:
        return demand.required_u * factor * abs(x), demand.unit
    return demand.required_u, demand.required_u_unit


def _check(cmc: Cmc, demand: Demand) -> Match | Excluded:
    where = f"cmc {cmc.id}"
    if cmc.quantity != demand.quantity:
        return Excluded(cmc, f"quantity is {cmc.quantity}, the demand is {demand.quantity}")
    if not compatible(cmc.unit, demand.unit, where):
        return Excluded(cmc, f"unit {cmc.unit} cannot express a value in {demand.unit}")
    low = convert(demand.low, demand.unit, cmc.unit, where)
    high = convert(demand.high, demand.unit, cmc.unit, where)
    if low < cmc.range_min or high > cmc.range_max:
        point = _fmt(low) if low == high else f"{_fmt(low)}–{_fmt(high)}"
        return Excluded(
            cmc,
            f"{point} {cmc.unit} lies outside the range "
            f"{_fmt(cmc.range_min)}–{_fmt(cmc.range_max)} {cmc.unit}",
        )
    points = {low, high}
    if cmc.uncertainty.kind == "table":
        points.update(x for x, _ in cmc.uncertainty.points if low <= x <= high)
    worst: tuple[float, float, str] | None = None  # (ratio to required, U, unit)
    for x in sorted(points):
        u_cmc = u_at(cmc, x)
        if u_cmc is None:
            return Excluded(cmc, f"the CMC's table states no U at {_fmt(x)} {cmc.unit}")
        u_cmc *= demand.required_k / cmc.uncertainty.k
        required, unit = _required_abs(demand, convert(x, cmc.unit, demand.unit, where))
        if not compatible(unit, cmc.unit, where):
            raise CapabilityError("demand.required_U.unit", f"{unit} is not a unit of {cmc.unit}")
        u_demand_unit = convert(u_cmc, cmc.unit, unit, where, difference=True)
        ratio = u_demand_unit / required
        if worst is None or ratio > worst[0]:
            worst = (ratio, u_demand_unit, unit)
    assert worst is not None
    ratio, u, unit = worst
    if ratio > 1:
        return Excluded(
            cmc, f"U = {_fmt(u)} {unit} at the point exceeds the required {_fmt(u / ratio)} {unit}"
        )
    return Match(cmc, u, unit, distance_km(demand.location, cmc.location))


def match(cmcs: Iterable[Cmc], demand: Demand) -> MatchResult:
    """Every CMC either matches (ranked) or is excluded with its reason."""
    matches: list[Match] = []
    excluded: list[Excluded] = []
    for cmc in cmcs:
        outcome = _check(cmc, demand)
        (matches if isinstance(outcome, Match) else excluded).append(outcome)  # type: ignore[arg-type]
    inf = math.inf
    matches.sort(
        key=lambda m: (
            m.distance_km if m.distance_km is not None else inf,
            m.cmc.turnaround_days if m.cmc.turnaround_days is not None else inf,
            m.u,
            m.cmc.id,
        )
    )
    return MatchResult(demand, matches, excluded)
