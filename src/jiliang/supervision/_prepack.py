"""Net quantity of prepackages (JJF 1070, OIML R 87): T, the sampling plan, λ and the three
requirements. Why a pure module: the CLI, the web app and the tests all judge a lot the same
way from the same data file (data/supervision/prepack.yaml).

The three requirements for a sample of n packages from a lot of N (q_i actual contents,
Qn the nominal quantity, shortfall Qn − q_i):

1. average:  q̄ ≥ Qn − λ·s, with s the sample standard deviation (n − 1) and
   λ = t₀.₉₉₅(n − 1)/√n (not applied to lots of 1–10 in the 2005 plan);
2. count T1: at most c packages with T < shortfall ≤ 2T (c from the plan);
3. count T2: no package with shortfall > 2T.

A lot passes only if every requirement that applies passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from jiliang.supervision._data import data_file, require
from jiliang.supervision._errors import SupervisionDataError, SupervisionInputError

# unit -> (dimension, size of the unit in g or mL)
UNITS: dict[str, tuple[str, Decimal]] = {
    "g": ("mass", Decimal(1)),
    "kg": ("mass", Decimal(1000)),
    "mL": ("volume", Decimal(1)),
    "ml": ("volume", Decimal(1)),
    "L": ("volume", Decimal(1000)),
    "l": ("volume", Decimal(1000)),
}
MAX_SAMPLE = 10_000
MAX_VALUE = Decimal(10**9)  # any package's content or weight, in its unit


def _rules() -> dict[str, Any]:
    return data_file("prepack.yaml")


def _decimal(value: Any, field: str) -> Decimal:
    """A finite number as an exact Decimal (floats through their shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise SupervisionInputError(field, f"expected a number, got {type(value).__name__}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SupervisionInputError(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise SupervisionInputError(field, f"{value!r} is not a finite number")
    return number


def _unit(unit: Any) -> tuple[str, Decimal]:
    if not isinstance(unit, str) or unit not in UNITS:
        raise SupervisionInputError("nominal.unit", f"use one of {', '.join(UNITS)} (got {unit!r})")
    return UNITS[unit]


def tolerable_deficiency(nominal: Any, unit: str = "g") -> Decimal:
    """T for a package of nominal quantity `nominal` in `unit`, in that unit.

    Percent rows are rounded up to the next 0.1 g or mL (exact Decimal arithmetic, so that
    3 % of 400 g is 12.0 g and never 12.1 g through a binary float)."""
    qn = _decimal(nominal, "nominal.value")
    _, size = _unit(unit)
    base = qn * size
    table = require(_rules(), "tolerable_deficiency", "prepack.yaml")
    low = Decimal(str(table["min_nominal"]))
    rows = table["rows"]
    high = Decimal(str(rows[-1]["upper"]))
    if not low <= base <= high:
        raise SupervisionInputError(
            "nominal.value",
            f"{qn} {unit} is outside the T table ({low} to {high} g or mL)",
        )
    for row in rows:
        if base <= Decimal(str(row["upper"])):
            if "percent" in row:
                raw = base * Decimal(str(row["percent"])) / 100
                t_base = raw.quantize(Decimal("0.1"), rounding=ROUND_CEILING)
            else:
                t_base = Decimal(str(row["amount"]))
            return t_base / size
    raise SupervisionDataError("prepack.yaml: the T table has a gap")  # pragma: no cover


@dataclass(frozen=True)
class SamplingPlan:
    """The plan of one edition for a lot size: n, c (T1 allowed), whether q̄ is tested."""

    edition: str
    lot_size: int
    n: int
    c: int
    average: bool
    lambda_table: float | None
    source: str


def editions() -> list[str]:
    """Editions whose plan is shipped."""
    return list(require(_rules(), "plans", "prepack.yaml"))


def sampling_plan(lot_size: Any, edition: str | None = None) -> SamplingPlan:
    """The sampling plan for a lot of `lot_size` packages under `edition` (default: the
    data file's default edition)."""
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise SupervisionInputError("lot_size", f"expected a whole number, got {lot_size!r}")
    if lot_size < 1:
        raise SupervisionInputError("lot_size", f"must be at least 1 (got {lot_size})")
    rules = _rules()
    chosen = edition or str(rules["default_edition"])
    plans = require(rules, "plans", "prepack.yaml")
    if chosen not in plans:
        raise SupervisionInputError(
            "edition", f"{chosen!r} is not shipped; choose one of {', '.join(plans)}"
        )
    plan = plans[chosen]
    for row in plan["rows"]:
        upper = row["to"]
        if lot_size >= int(row["from"]) and (upper is None or lot_size <= int(upper)):
            n = lot_size if row["n"] == "N" else int(row["n"])
            table = row.get("lambda_table")
            return SamplingPlan(
                chosen,
                lot_size,
                n,
                int(row["c"]),
                bool(row.get("average", True)),
                None if table is None else float(table),
                str(plan["source"]),
            )
    raise SupervisionDataError(f"prepack.yaml: plan {chosen} has no row for N={lot_size}")


def lambda_factor(n: int, confidence: float = 0.995) -> float:
    """λ = t_confidence(n − 1)/√n, the Student quantile from scipy."""
    if n < 2:
        raise SupervisionInputError("sample", "λ needs at least 2 packages")
    from scipy.stats import t

    return float(t.ppf(confidence, n - 1)) / math.sqrt(n)


def net_values(
    net: Any = None, gross: Any = None, tare: Any = None, field: str = "net"
) -> list[Decimal]:
    """Actual contents: `net` directly, or `gross` minus `tare` (one average tare, or one
    tare per package in the same order)."""
    if (net is None) == (gross is None):
        raise SupervisionInputError("net", "give either net: [...] or gross: [...] with tare")
    values = net if net is not None else gross
    name = "net" if net is not None else "gross"
    if not isinstance(values, list) or not values:
        raise SupervisionInputError(name, "expected a non-empty list of numbers")
    if len(values) > MAX_SAMPLE:
        raise SupervisionInputError(name, f"at most {MAX_SAMPLE} values")
    numbers = [_decimal(v, f"{name}[{i}]") for i, v in enumerate(values)]
    for i, number in enumerate(numbers):
        if not 0 <= number <= MAX_VALUE:
            raise SupervisionInputError(f"{name}[{i}]", f"{number} is outside 0 to {MAX_VALUE}")
    if net is not None:
        if tare is not None:
            raise SupervisionInputError("tare", "tare goes with gross, not with net")
        return numbers
    if tare is None:
        raise SupervisionInputError("tare", "gross values need a tare (a number or a list)")
    if isinstance(tare, list):
        if len(tare) != len(numbers):
            raise SupervisionInputError(
                "tare", f"{len(tare)} tare values for {len(numbers)} gross values"
            )
        tares = [_decimal(v, f"tare[{i}]") for i, v in enumerate(tare)]
    else:
        tares = [_decimal(tare, "tare")] * len(numbers)
    for i, t in enumerate(tares):
        if not 0 <= t <= MAX_VALUE:
            raise SupervisionInputError("tare", f"tare {i + 1} is outside 0 to {MAX_VALUE}")
    nets = [g - t for g, t in zip(numbers, tares, strict=True)]
    for i, q in enumerate(nets):
        if q < 0:
            raise SupervisionInputError(
                f"tare[{i}]" if isinstance(tare, list) else "tare", f"larger than gross[{i}]"
            )
    return nets


@dataclass(frozen=True)
class PrepackResult:
    """Everything the verdict rests on (the keys of the CLI's stable JSON contract)."""

    nominal: Decimal
    unit: str
    lot_size: int
    edition: str
    T: Decimal
    sample_size: int
    mean: float
    s: float | None
    lam: float | None
    mean_limit: float | None
    c: int
    t1: int
    t2: int
    average_ok: bool | None
    count_ok: bool
    verdict: str
    plan_source: str

    def to_dict(self) -> dict[str, Any]:
        """The stable contract: T, sample_size, mean, s, lambda, mean_limit, t1, t2,
        average_ok, count_ok, verdict, edition (plus nominal, unit, lot_size, c, T2)."""
        return {
            "nominal": float(self.nominal),
            "unit": self.unit,
            "lot_size": self.lot_size,
            "edition": self.edition,
            "T": float(self.T),
            "T2": float(2 * self.T),
            "sample_size": self.sample_size,
            "mean": round(self.mean, 6),
            "s": None if self.s is None else round(self.s, 6),
            "lambda": None if self.lam is None else round(self.lam, 6),
            "mean_limit": None if self.mean_limit is None else round(self.mean_limit, 6),
            "c": self.c,
            "t1": self.t1,
            "t2": self.t2,
            "average_ok": self.average_ok,
            "count_ok": self.count_ok,
            "verdict": self.verdict,
        }


def evaluate_lot(
    nominal: Any,
    unit: str,
    lot_size: Any,
    values: list[Decimal],
    edition: str | None = None,
) -> PrepackResult:
    """Judge a lot from its sample's actual contents (in `unit`)."""
    qn = _decimal(nominal, "nominal.value")
    big_t = tolerable_deficiency(qn, unit)
    plan = sampling_plan(lot_size, edition)
    if len(values) != plan.n:
        raise SupervisionInputError(
            "net",
            f"{len(values)} values; the plan ({plan.edition}, N = {plan.lot_size}) "
            f"takes a sample of {plan.n}",
        )
    shortfalls = [qn - q for q in values]
    t1 = sum(1 for d in shortfalls if big_t < d <= 2 * big_t)
    t2 = sum(1 for d in shortfalls if d > 2 * big_t)
    count_ok = t1 <= plan.c and t2 == 0
    floats = [float(v) for v in values]
    mean = math.fsum(floats) / len(floats)
    s: float | None = None
    lam: float | None = None
    limit: float | None = None
    average_ok: bool | None = None
    if len(floats) >= 2:
        s = math.sqrt(math.fsum((x - mean) ** 2 for x in floats) / (len(floats) - 1))
    if plan.average:
        if s is None:  # pragma: no cover - plans with an average test have n >= 10
            raise SupervisionDataError("prepack.yaml: an average test with n < 2")
        confidence = float(_rules()["plans"][plan.edition].get("confidence", 0.995))
        lam = lambda_factor(plan.n, confidence)
        limit = float(qn) - lam * s
        average_ok = mean >= limit
    ok = count_ok and average_ok is not False
    return PrepackResult(
        qn,
        unit,
        plan.lot_size,
        plan.edition,
        big_t,
        plan.n,
        mean,
        s,
        lam,
        limit,
        plan.c,
        t1,
        t2,
        average_ok,
        count_ok,
        "pass" if ok else "fail",
        plan.source,
    )


def scale_fine_enough(scale_error: float, big_t: float) -> bool:
    """Whether a weighing instrument of MPE (or uncertainty) `scale_error` may judge
    packages of tolerable deficiency `big_t`: error ≤ factor·T (data: scale.factor)."""
    factor = float(_rules()["scale"]["factor"])
    return scale_error <= factor * big_t + 1e-12
