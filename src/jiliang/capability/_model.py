"""CMCs and demands as plain data, read from the catalogue's JSON/YAML shape.

The shape follows BIPM KCDB 2.0: a quantity, an instrument or artefact, a measuring range with
its unit, and an expanded uncertainty (k = 2 unless stated) given as one value, a range of
values, an equation in the measured value x, or a table of (x, U) points.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from jiliang.capability._errors import CapabilityError

__all__ = ["Cmc", "Demand", "Location", "Uncertainty", "cmc_from_dict", "demand_from_dict"]

UncertaintyKind = Literal["value", "range", "equation", "table"]
KINDS: tuple[str, ...] = ("value", "range", "equation", "table")
MAX_TABLE_POINTS = 1000
MAX_TEXT = 500


@dataclass(frozen=True)
class Location:
    division: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Uncertainty:
    """An expanded uncertainty statement; ``unit`` may be relative (%, ppm)."""

    kind: UncertaintyKind
    unit: str
    k: float = 2.0
    value: float | None = None
    low: float | None = None
    high: float | None = None
    expression: str = ""
    points: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Cmc:
    id: str
    institution: str
    quantity: str
    instrument: str
    range_min: float
    range_max: float
    unit: str
    uncertainty: Uncertainty
    method: str = ""
    location: Location = field(default_factory=Location)
    turnaround_days: int | None = None
    standards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Demand:
    quantity: str
    low: float
    high: float
    unit: str
    required_u: float
    required_u_unit: str
    required_k: float = 2.0
    location: Location = field(default_factory=Location)
    deadline: dt.date | None = None
    instrument: str = ""


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise CapabilityError(f"{where}.{key}", "must be text")
    value = value.strip()
    if required and not value:
        raise CapabilityError(f"{where}.{key}", "is required")
    if len(value) > MAX_TEXT:
        raise CapabilityError(f"{where}.{key}", f"longer than {MAX_TEXT} characters")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CapabilityError(where, "must be a number")
    try:
        number = float(value)
    except ValueError:
        raise CapabilityError(where, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise CapabilityError(where, "must be a finite number")
    return number


def _mapping(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise CapabilityError(where, "must be a mapping of keys to values")
    return data


def _location(data: Any, where: str) -> Location:
    if data is None:
        return Location()
    data = _mapping(data, where)
    lat = _number(data["lat"], f"{where}.lat") if data.get("lat") is not None else None
    lon = _number(data["lon"], f"{where}.lon") if data.get("lon") is not None else None
    if lat is not None and not -90 <= lat <= 90:
        raise CapabilityError(f"{where}.lat", "must lie between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        raise CapabilityError(f"{where}.lon", "must lie between -180 and 180")
    return Location(_text(data, "division", where, required=False), lat, lon)


def _uncertainty(data: Any, where: str) -> Uncertainty:
    data = _mapping(data, where)
    kind = _text(data, "kind", where)
    if kind not in KINDS:
        raise CapabilityError(f"{where}.kind", f"must be one of {', '.join(KINDS)}")
    unit = _text(data, "unit", where)
    k = _number(data.get("k", 2), f"{where}.k")
    if k <= 0:
        raise CapabilityError(f"{where}.k", "must be positive")
    if kind == "value":
        value = _number(data.get("value"), f"{where}.value")
        if value <= 0:
            raise CapabilityError(f"{where}.value", "must be positive")
        return Uncertainty("value", unit, k, value=value)
    if kind == "range":
        low = _number(data.get("min"), f"{where}.min")
        high = _number(data.get("max"), f"{where}.max")
        if not 0 < low <= high:
            raise CapabilityError(where, "needs 0 < min <= max")
        return Uncertainty("range", unit, k, low=low, high=high)
    if kind == "equation":
        from jiliang.uncertainty import ExpressionError
        from jiliang.uncertainty._expr import parse_expression

        expression = _text(data, "expression", where)
        try:
            parse_expression(expression, {"x"})
        except ExpressionError as exc:
            raise CapabilityError(f"{where}.expression", str(exc)) from None
        return Uncertainty("equation", unit, k, expression=expression)
    raw = data.get("points")
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise CapabilityError(f"{where}.points", "must be a list of [x, U] pairs")
    if len(raw) > MAX_TABLE_POINTS:
        raise CapabilityError(f"{where}.points", f"more than {MAX_TABLE_POINTS} points")
    points: list[tuple[float, float]] = []
    for i, pair in enumerate(raw):
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise CapabilityError(f"{where}.points[{i}]", "must be a pair [x, U]")
        x, u = (
            _number(pair[0], f"{where}.points[{i}][0]"),
            _number(pair[1], f"{where}.points[{i}][1]"),
        )
        if u <= 0:
            raise CapabilityError(f"{where}.points[{i}][1]", "U must be positive")
        points.append((x, u))
    points.sort()
    if len({x for x, _ in points}) != len(points):
        raise CapabilityError(f"{where}.points", "two rows for the same x")
    return Uncertainty("table", unit, k, points=tuple(points))


def cmc_from_dict(data: Any, where: str = "cmc") -> Cmc:
    data = _mapping(data, where)
    rng = _mapping(data.get("range"), f"{where}.range")
    low = _number(rng.get("min"), f"{where}.range.min")
    high = _number(rng.get("max"), f"{where}.range.max")
    if low > high:
        raise CapabilityError(f"{where}.range", "min is greater than max")
    turnaround = data.get("turnaround_days")
    days = None
    if turnaround is not None:
        days_f = _number(turnaround, f"{where}.turnaround_days")
        if days_f < 0 or days_f != int(days_f):
            raise CapabilityError(f"{where}.turnaround_days", "must be a whole number of days")
        days = int(days_f)
    standards = data.get("standards") or []
    if not isinstance(standards, Sequence) or isinstance(standards, str):
        raise CapabilityError(f"{where}.standards", "must be a list of standard codes")
    return Cmc(
        id=_text(data, "id", where),
        institution=_text(data, "institution", where),
        quantity=_text(data, "quantity", where).lower(),
        instrument=_text(data, "instrument", where, required=False),
        range_min=low,
        range_max=high,
        unit=_text(rng, "unit", f"{where}.range"),
        uncertainty=_uncertainty(data.get("uncertainty"), f"{where}.uncertainty"),
        method=_text(data, "method", where, required=False),
        location=_location(data.get("location"), f"{where}.location"),
        turnaround_days=days,
        standards=tuple(str(s) for s in standards),
    )


def demand_from_dict(data: Any, where: str = "demand") -> Demand:
    data = _mapping(data, where)
    if "value" in data and "range" in data:
        raise CapabilityError(where, "give either value or range, not both")
    if "range" in data:
        rng = _mapping(data["range"], f"{where}.range")
        low = _number(rng.get("min"), f"{where}.range.min")
        high = _number(rng.get("max"), f"{where}.range.max")
        if low > high:
            raise CapabilityError(f"{where}.range", "min is greater than max")
        unit = _text(rng, "unit", f"{where}.range")
    else:
        low = high = _number(data.get("value"), f"{where}.value")
        unit = _text(data, "unit", where)
    req = _mapping(data.get("required_U"), f"{where}.required_U")
    required = _number(req.get("value"), f"{where}.required_U.value")
    if required <= 0:
        raise CapabilityError(f"{where}.required_U.value", "must be positive")
    k = _number(req.get("k", 2), f"{where}.required_U.k")
    if k <= 0:
        raise CapabilityError(f"{where}.required_U.k", "must be positive")
    deadline = data.get("deadline")
    if isinstance(deadline, str):
        try:
            deadline = dt.date.fromisoformat(deadline)
        except ValueError:
            raise CapabilityError(f"{where}.deadline", "must be a date YYYY-MM-DD") from None
    elif deadline is not None and not isinstance(deadline, dt.date):
        raise CapabilityError(f"{where}.deadline", "must be a date YYYY-MM-DD")
    return Demand(
        quantity=_text(data, "quantity", where).lower(),
        low=low,
        high=high,
        unit=unit,
        required_u=required,
        required_u_unit=_text(req, "unit", f"{where}.required_U"),
        required_k=k,
        location=_location(data.get("location"), f"{where}.location"),
        deadline=deadline,
        instrument=_text(data, "instrument", where, required=False),
    )
