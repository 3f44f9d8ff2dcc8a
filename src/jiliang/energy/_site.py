"""SITE.yaml: the points of an energy user, the period, the coefficient edition and factors.

Every refusal is a ``SiteError`` whose message starts with the field path
(``points[2].multiplier: must be a number > 0``), so the CLI can print it and exit 2.
The format is documented in docs/energy.md.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from jiliang.energy import _data
from jiliang.energy._errors import SiteError

CST = dt.timezone(dt.timedelta(hours=8), "CST")
LEGAL_STATES = ("verified", "overdue", "failed", "unregistered")
ELECTRICITY_BASES = ("calorific", "equivalent")
MAX_POINTS = 10_000
MAX_DAYS = 3_660
_ID = re.compile(r"^[A-Za-z0-9_.:\-/]{1,64}$")


@dataclass(frozen=True)
class LegalInterval:
    """The legal state of a point's instrument from ``start`` until ``end`` (open if None)."""

    start: dt.datetime
    end: dt.datetime | None
    state: str


@dataclass(frozen=True)
class Replacement:
    """A meter exchange: the old meter's final register and the new one's initial register."""

    time: dt.datetime
    old_final: float
    new_initial: float


@dataclass(frozen=True)
class Edit:
    """A manual edit of the validated series: who, when, why; the raw value stays."""

    point: str
    time: dt.datetime
    value: float
    who: str
    when: str
    why: str


@dataclass(frozen=True)
class Point:
    """A measurement point of the metering tree."""

    id: str
    variety: str
    kind: str
    unit: str
    multiplier: float = 1.0
    rollover: float | None = None
    resolution: float | None = None
    interval_minutes: int = 15
    accuracy_class: float | None = None
    max_per_hour: float | None = None
    legal: tuple[LegalInterval, ...] = ()
    replacements: tuple[Replacement, ...] = ()
    monthly: tuple[tuple[str, float], ...] = ()

    @property
    def modulus(self) -> float | None:
        """Where the register wraps: the largest shown value plus one step of its last digit."""
        if self.rollover is None:
            return None
        return self.rollover + (self.resolution or 0.0)


@dataclass(frozen=True)
class Factor:
    """An emission factor of a variety, per base unit (tCO2 per kWh, t, m3, GJ)."""

    variety: str
    per_base_unit: float
    u_rel: float
    key: str | None
    description: str
    confirmed: bool


@dataclass(frozen=True)
class Site:
    """A parsed, checked SITE.yaml."""

    name: str
    points: tuple[Point, ...]
    start: dt.date
    end: dt.date  # inclusive
    edition: str
    electricity_basis: str
    basis_year: int | None
    factors: dict[str, Factor] = field(default_factory=dict)
    edits: tuple[Edit, ...] = ()

    @property
    def days(self) -> list[dt.date]:
        """The days of the period (China time), first to last."""
        count = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(count)]

    def point_index(self) -> dict[str, int]:
        """Point id → its position in ``points``."""
        return {p.id: i for i, p in enumerate(self.points)}


def _fail(path: str, reason: str) -> SiteError:
    return SiteError(f"{path}: {reason}")


def _mapping(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "must be a mapping")
    return value


def _number(
    value: Any, path: str, *, positive: bool = False, minimum: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(path, "must be a number")
    if positive and value <= 0:
        raise _fail(path, "must be a number > 0")
    if minimum is not None and value < minimum:
        raise _fail(path, f"must be a number >= {minimum:g}")
    return float(value)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, "must be a non-empty text")
    return value.strip()


def _date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _fail(path, "must be a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(path, "must be a date (YYYY-MM-DD)")


def _time(value: Any, path: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise _fail(path, "must be an ISO 8601 timestamp with offset") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=CST)
    if not isinstance(value, dt.datetime):
        raise _fail(path, "must be an ISO 8601 timestamp with offset")
    if value.tzinfo is None:
        raise _fail(path, "must carry a UTC offset (e.g. +08:00)")
    return value


def _known(data: dict[str, Any], path: str, allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            prefix = f"{path}." if path else ""
            raise _fail(f"{prefix}{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _optional_number(data: dict[str, Any], key: str, path: str, **kw: Any) -> float | None:
    if data.get(key) is None:
        return None
    return _number(data[key], f"{path}.{key}", **kw)


def _resolution_of(raw: Any) -> float:
    """One step of the last digit of the rollover value as written (99999.9 → 0.1)."""
    text = repr(float(raw)) if not isinstance(raw, int) else str(raw)
    if "e" in text.lower() or "." not in text or text.endswith(".0"):
        return 1.0
    return 10.0 ** -len(text.split(".")[1])


def _point(raw: Any, path: str) -> Point:
    data = _mapping(raw, path)
    _known(
        data,
        path,
        {
            "id", "variety", "kind", "unit", "multiplier", "rollover", "resolution",
            "interval_minutes", "accuracy_class", "max_per_hour", "legal", "replacements",
            "monthly", "name",
        },
    )  # fmt: skip
    pid = _text(data.get("id"), f"{path}.id")
    if not _ID.match(pid):
        raise _fail(f"{path}.id", "letters, digits and _ . : - / only, at most 64")
    variety = _text(data.get("variety"), f"{path}.variety")
    if variety not in _data.varieties():
        raise _fail(
            f"{path}.variety",
            f"unknown variety {variety!r} (known: {', '.join(_data.varieties())})",
        )
    kind = _text(data.get("kind"), f"{path}.kind")
    if kind not in ("register", "interval"):
        raise _fail(f"{path}.kind", "must be register or interval")
    unit = _text(data.get("unit"), f"{path}.unit")
    if _data.unit_factor(variety, unit) is None:
        raise _fail(
            f"{path}.unit",
            f"{unit!r} is not a unit of {variety} ({', '.join(_data.units_of(variety))})",
        )
    multiplier = _number(data.get("multiplier", 1), f"{path}.multiplier", positive=True)
    rollover = _optional_number(data, "rollover", path, positive=True)
    resolution = _optional_number(data, "resolution", path, positive=True)
    if rollover is not None and resolution is None:
        resolution = _resolution_of(data["rollover"])
    minutes = data.get("interval_minutes", 15)
    if isinstance(minutes, bool) or minutes not in (1, 5, 10, 15, 30, 60):
        raise _fail(f"{path}.interval_minutes", "must be one of 1, 5, 10, 15, 30, 60")
    legal: list[LegalInterval] = []
    raw_legal = data.get("legal") or []
    if not isinstance(raw_legal, list):
        raise _fail(f"{path}.legal", "must be a list")
    for j, item in enumerate(raw_legal):
        where = f"{path}.legal[{j}]"
        entry = _mapping(item, where)
        _known(entry, where, {"from", "to", "state"})
        state = _text(entry.get("state"), f"{where}.state")
        if state not in LEGAL_STATES:
            raise _fail(f"{where}.state", f"must be one of {', '.join(LEGAL_STATES)}")
        start = _time(entry.get("from"), f"{where}.from")
        end = None if entry.get("to") is None else _time(entry["to"], f"{where}.to")
        if end is not None and end <= start:
            raise _fail(f"{where}.to", "must be after from")
        legal.append(LegalInterval(start, end, state))
    replacements: list[Replacement] = []
    raw_rep = data.get("replacements") or []
    if not isinstance(raw_rep, list):
        raise _fail(f"{path}.replacements", "must be a list")
    for j, item in enumerate(raw_rep):
        where = f"{path}.replacements[{j}]"
        entry = _mapping(item, where)
        _known(entry, where, {"time", "old_final", "new_initial"})
        replacements.append(
            Replacement(
                _time(entry.get("time"), f"{where}.time"),
                _number(entry.get("old_final"), f"{where}.old_final", minimum=0),
                _number(entry.get("new_initial"), f"{where}.new_initial", minimum=0),
            )
        )
    if replacements and kind != "register":
        raise _fail(f"{path}.replacements", "only a register point has meter replacements")
    monthly: list[tuple[str, float]] = []
    raw_monthly = data.get("monthly") or {}
    for month, value in _mapping(raw_monthly, f"{path}.monthly").items():
        if not isinstance(month, str) or not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", month):
            raise _fail(f"{path}.monthly", f"key {month!r} must be a month YYYY-MM")
        monthly.append((month, _number(value, f"{path}.monthly.{month}", minimum=0)))
    return Point(
        id=pid,
        variety=variety,
        kind=kind,
        unit=unit,
        multiplier=multiplier,
        rollover=rollover,
        resolution=resolution,
        interval_minutes=int(minutes),
        accuracy_class=_optional_number(data, "accuracy_class", path, positive=True),
        max_per_hour=_optional_number(data, "max_per_hour", path, positive=True),
        legal=tuple(sorted(legal, key=lambda x: x.start)),
        replacements=tuple(sorted(replacements, key=lambda x: x.time)),
        monthly=tuple(sorted(monthly)),
    )


_FACTOR_UNIT = re.compile(r"^(t|kg)CO2/(.+)$")


def factor_from_set(variety: str, key: str, path: str) -> Factor:
    """An emission factor from a shipped set (data/energy/factors.yaml)."""
    row = _data.factor_set(key)
    if row is None:
        raise _fail(path, f"unknown factor set {key!r} (known: {', '.join(_data.factor_keys())})")
    if row["variety"] != variety:
        raise _fail(path, f"factor set {key!r} is for {row['variety']}, not {variety}")
    description = (
        f"{key}: {row['publisher']}, {row['purpose']}, data year {row['data_year']},"
        f" {row['region']}, {row['guideline']}"
    )
    if "value" in row:  # a grid factor in tCO2/MWh
        return Factor(
            variety,
            float(row["value"]) / 1000.0,
            float(row.get("u_rel") or 0.0),
            key,
            description,
            bool(row["confirmed"]),
        )
    ncv, cc, of = row["ncv"], row["cc"], row["of"]
    per = float(ncv["value"]) * float(cc["value"]) * float(of["value"]) * 44.0 / 12.0
    u_rel = math.sqrt(sum(float(c.get("u_rel") or 0.0) ** 2 for c in (ncv, cc, of)))
    return Factor(variety, per, u_rel, key, description, bool(row["confirmed"]))


def _factor(variety: str, raw: Any, path: str) -> Factor:
    if isinstance(raw, str):
        return factor_from_set(variety, raw, path)
    data = _mapping(raw, path)
    _known(data, path, {"value", "unit", "u", "source"})
    value = _number(data.get("value"), f"{path}.value", minimum=0)
    unit = _text(data.get("unit"), f"{path}.unit")
    match = _FACTOR_UNIT.match(unit)
    per_unit = None if match is None else _data.unit_factor(variety, match.group(2))
    if match is None or per_unit is None:
        raise _fail(
            f"{path}.unit",
            f"write tCO2/<unit> or kgCO2/<unit> with a unit of {variety}"
            f" ({', '.join(_data.units_of(variety))})",
        )
    scale = (1.0 if match.group(1) == "t" else 0.001) / per_unit
    u = _optional_number(data, "u", path, minimum=0) or 0.0
    u_rel = u / value if value > 0 else 0.0
    source = str(data.get("source") or "stated in SITE.yaml")
    return Factor(variety, value * scale, u_rel, None, f"{value:g} {unit} ({source})", False)


def parse_site(data: Any) -> Site:
    """Check a SITE document (already parsed YAML) and build the Site."""
    root = _mapping(data, "(document)")
    _known(root, "", {"site", "period", "coefficients", "factors", "points", "edits"})
    name = str(root.get("site") or "")
    period = _mapping(root.get("period"), "period")
    _known(period, "period", {"from", "to"})
    start = _date(period.get("from"), "period.from")
    end = _date(period.get("to"), "period.to")
    if end < start:
        raise _fail("period.to", "must not be before period.from")
    if (end - start).days + 1 > MAX_DAYS:
        raise _fail("period.to", f"a period has at most {MAX_DAYS} days")
    coeff = _mapping(root.get("coefficients") or {}, "coefficients")
    _known(coeff, "coefficients", {"edition", "electricity", "year"})
    edition = str(coeff.get("edition") or _data.editions()[0])
    if _data.edition(edition) is None:
        raise _fail(
            "coefficients.edition", f"unknown edition (known: {', '.join(_data.editions())})"
        )
    basis = str(coeff.get("electricity") or "calorific")
    if basis not in ELECTRICITY_BASES:
        raise _fail("coefficients.electricity", "must be calorific (当量值) or equivalent (等价值)")
    year = coeff.get("year")
    if basis == "equivalent":
        table = _data.edition(edition)["varieties"]["electricity"]["equivalent_value"]["by_year"]  # type: ignore[index]
        if year not in table:
            raise _fail(
                "coefficients.year", f"the equivalent value needs a year of {sorted(table)}"
            )
    raw_points = root.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise _fail("points", "must be a non-empty list")
    if len(raw_points) > MAX_POINTS:
        raise _fail("points", f"at most {MAX_POINTS} points")
    points = tuple(_point(item, f"points[{i}]") for i, item in enumerate(raw_points))
    seen: set[str] = set()
    for i, point in enumerate(points):
        if point.id in seen:
            raise _fail(f"points[{i}].id", f"{point.id!r} is declared twice")
        seen.add(point.id)
    factors: dict[str, Factor] = {}
    for variety, raw in _mapping(root.get("factors") or {}, "factors").items():
        if variety not in _data.varieties():
            raise _fail(f"factors.{variety}", "unknown variety")
        factors[variety] = _factor(variety, raw, f"factors.{variety}")
    edits: list[Edit] = []
    raw_edits = root.get("edits") or []
    if not isinstance(raw_edits, list):
        raise _fail("edits", "must be a list")
    for j, item in enumerate(raw_edits):
        where = f"edits[{j}]"
        entry = _mapping(item, where)
        _known(entry, where, {"point", "time", "value", "who", "when", "why"})
        pid = _text(entry.get("point"), f"{where}.point")
        if pid not in seen:
            raise _fail(f"{where}.point", f"{pid!r} is not a declared point")
        edits.append(
            Edit(
                pid,
                _time(entry.get("time"), f"{where}.time"),
                _number(entry.get("value"), f"{where}.value"),
                _text(entry.get("who"), f"{where}.who"),
                str(_text(str(entry.get("when") or ""), f"{where}.when")),
                _text(entry.get("why"), f"{where}.why"),
            )
        )
    return Site(
        name=name,
        points=points,
        start=start,
        end=end,
        edition=edition,
        electricity_basis=basis,
        basis_year=int(year) if basis == "equivalent" and year is not None else None,
        factors=factors,
        edits=tuple(edits),
    )


def load_site(text: str) -> Site:
    """Parse SITE.yaml text through jiliang.yamlsafe and check it."""
    import yaml

    from jiliang import yamlsafe

    try:
        data = yamlsafe.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        raise SiteError(f"{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise SiteError(f"(document): not YAML: {exc}") from None
    return parse_site(data)
