"""Calibration intervals: NCSLI RP-1 Method A3, Method S2 and the variables method."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize
from scipy import stats as sps

from jiliang.stats import _data
from jiliang.stats._errors import StatsInputError
from jiliang.stats._reliability import (
    RELIABILITY_MODELS,
    ReliabilityModel,
    solve_reliability_interval,
)

FloatArray = npt.NDArray[np.float64]


def _check_probability(value: float, field: str, *, open_interval: bool = True) -> None:
    ok = 0.0 < value < 1.0 if open_interval else 0.0 <= value <= 1.0
    if not (math.isfinite(value) and ok):
        raise StatsInputError(f"{field} must lie strictly between 0 and 1", field=field)


# ---------------------------------------------------------------- Method A3


@dataclass(frozen=True)
class A3Result:
    """Outcome of the A3 interval test at the current interval.

    ``interval`` is the recommended interval in whole days (unchanged when the rejection
    confidence does not exceed ``confidence``); ``calculated_interval`` is the unrounded
    adjustment formula; ``reliability_range`` is the Clopper-Pearson range of the observed
    reliability at ``confidence``.
    """

    interval: float
    calculated_interval: float
    rejection_confidence: float
    observed_reliability: float
    in_tolerance: int
    n: int
    target: float
    confidence: float
    changed: bool
    reliability_range: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``interval``, ``rejection_confidence`` and
        ``observed_reliability`` are the stable keys of the CLI contract."""
        return {
            "interval": self.interval,
            "rejection_confidence": self.rejection_confidence,
            "observed_reliability": self.observed_reliability,
            "calculated_interval": self.calculated_interval,
            "in_tolerance": self.in_tolerance,
            "n": self.n,
            "target": self.target,
            "confidence": self.confidence,
            "changed": self.changed,
            "reliability_range": list(self.reliability_range),
        }


def interval_a3(
    results: Sequence[int | bool],
    interval: float,
    target: float,
    *,
    confidence: float | None = None,
    max_change: float | None = None,
    min_delta: float | None = None,
    min_interval: float | None = None,
    max_interval: float | None = None,
) -> A3Result:
    """NCSLI RP-1 Method A3 (interval test) on in/out-of-tolerance results at ``interval``.

    Rejection confidence that the observed reliability R0 = x/n differs from the target
    Rt (two-sided binomial): Q = 1 - 2 P(X <= x | Rt) when R0 < Rt, Q = 1 - 2 P(X >= x | Rt)
    when R0 > Rt. Adjustment: I = I0 10^((R0 - Rt) Q) when shortening (not below I0/a),
    I = I0 10^((R0 - Rt)/(1 - Q)) when lengthening (not above a I0), a = max_change. The
    interval changes only if Q > confidence and the change is at least ``min_delta`` days.
    Defaults come from data/stats/intervals.yaml.
    """
    conf = confidence if confidence is not None else _data.number("intervals", "a3", "confidence")
    a = max_change if max_change is not None else _data.number("intervals", "a3", "max_change")
    delta = min_delta if min_delta is not None else _data.number("intervals", "a3", "min_delta")
    lo_i = (
        min_interval
        if min_interval is not None
        else _data.number("intervals", "a3", "min_interval")
    )
    hi_i = (
        max_interval
        if max_interval is not None
        else _data.number("intervals", "a3", "max_interval")
    )
    _check_probability(target, "target")
    _check_probability(conf, "confidence")
    if not (math.isfinite(interval) and interval > 0.0):
        raise StatsInputError("interval must be a number of days > 0", field="interval")
    if not (math.isfinite(a) and a > 1.0):
        raise StatsInputError("max_change must be > 1", field="max_change")
    if not results:
        raise StatsInputError("no calibration results given", field="results")
    for i, r in enumerate(results, start=1):
        if r not in (0, 1):
            raise StatsInputError(
                f"result {i} is {r!r}; use 1 (in tolerance) or 0 (out of tolerance)",
                field="results",
            )
    n = len(results)
    x = int(sum(int(r) for r in results))
    r0 = x / n
    if r0 < target:
        q = 1.0 - 2.0 * float(sps.binom.cdf(x, n, target))
    elif r0 > target:
        q = 1.0 - 2.0 * float(sps.binom.sf(x - 1, n, target))
    else:
        q = 0.0
    q = max(q, 0.0)
    if r0 < target:
        factor = max(10.0 ** ((r0 - target) * q), 1.0 / a)
    elif r0 > target:
        exponent = (r0 - target) / (1.0 - q) if q < 1.0 else math.inf
        factor = a if exponent >= math.log10(a) else 10.0**exponent
    else:
        factor = 1.0
    calculated = interval * factor
    changed = q > conf and abs(calculated - interval) >= delta
    new = float(math.floor(min(max(calculated, lo_i), hi_i) + 0.5)) if changed else interval
    rl = 0.0 if x == 0 else float(sps.beta.ppf((1.0 - conf) / 2.0, x, n - x + 1))
    ru = 1.0 if x == n else float(sps.beta.ppf((1.0 + conf) / 2.0, x + 1, n - x))
    return A3Result(
        interval=new,
        calculated_interval=calculated,
        rejection_confidence=q,
        observed_reliability=r0,
        in_tolerance=x,
        n=n,
        target=target,
        confidence=conf,
        changed=changed,
        reliability_range=(rl, ru),
    )


# ---------------------------------------------------------------- Method S2


@dataclass(frozen=True)
class BinnedReliability:
    """Observed reliability per interval bin: bin time t, count n, observed reliability."""

    t: tuple[float, ...]
    n: tuple[int, ...]
    observed_reliability: tuple[float, ...]

    def __post_init__(self) -> None:
        if not (len(self.t) == len(self.n) == len(self.observed_reliability)):
            raise StatsInputError("t, n and observed_reliability must have the same length")
        if len(self.t) < 2:
            raise StatsInputError("Method S2 needs at least 2 interval bins", field="t")
        for i, (t, n, r) in enumerate(zip(self.t, self.n, self.observed_reliability, strict=True)):
            if not (math.isfinite(t) and t > 0.0):
                raise StatsInputError(f"bin {i + 1}: t must be > 0", field="t")
            if n < 1:
                raise StatsInputError(f"bin {i + 1}: n must be >= 1", field="n")
            if not 0.0 <= r <= 1.0:
                raise StatsInputError(
                    f"bin {i + 1}: observed reliability must lie in [0, 1]",
                    field="observed_reliability",
                )


@dataclass(frozen=True)
class ModelFit:
    """One reliability model fitted by binomial maximum likelihood (RP-1 D-5).

    ``rejection_confidence`` is the F-distribution probability of the lack-of-fit ratio
    (RP-1 D-19, D-23): the model is ``accepted`` when it is below the F-test confidence.
    ``interval`` solves R(t) = target (None if the fitted R never crosses the target);
    ``interval_range`` solves R(t) -/+ z u(R(t)) = target with the delta-method variance of
    RP-1 D-29 (None where a bound does not cross within the search range).
    """

    model: str
    theta: tuple[float, ...]
    log_likelihood: float
    interval: float | None
    rejection_confidence: float | None
    accepted: bool
    figure_of_merit: float
    interval_range: tuple[float | None, float | None] = (None, None)

    def reliability(self, t: FloatArray | float) -> FloatArray:
        """Fitted R(t)."""
        from jiliang.stats._reliability import reliability_model

        return reliability_model(self.model).reliability(t, self.theta)


@dataclass(frozen=True)
class S2Result:
    """Method S2 result: every model's fit, the best model and its interval."""

    target: float
    best_model: str | None
    interval: float | None
    models: tuple[ModelFit, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``best_model``, ``interval``, ``models`` (stable keys)."""
        return {
            "target": self.target,
            "best_model": self.best_model,
            "interval": self.interval,
            "models": [
                {
                    "model": m.model,
                    "interval": m.interval,
                    "confidence": m.rejection_confidence,
                    "accepted": m.accepted,
                    "figure_of_merit": m.figure_of_merit,
                    "interval_range": list(m.interval_range),
                    "theta": list(m.theta),
                    "log_likelihood": m.log_likelihood,
                }
                for m in self.models
            ],
        }


def _neg_log_likelihood(r: FloatArray, n: FloatArray, g: FloatArray) -> float:
    rr = np.clip(r, 1e-300, 1.0 - 1e-16)
    return -float(np.sum(g * np.log(rr) + (n - g) * np.log1p(-rr)))


def fit_reliability_model(model: ReliabilityModel, data: BinnedReliability) -> tuple[float, ...]:
    """Binomial maximum-likelihood parameters of ``model`` (multi-start Nelder-Mead on
    log-parameters, so every parameter stays positive)."""
    t = np.asarray(data.t, dtype=float)
    n = np.asarray(data.n, dtype=float)
    g = n * np.asarray(data.observed_reliability, dtype=float)
    fails = float(np.sum(n - g))
    rate = fails / float(np.sum(n * t)) if fails > 0 else 0.1 / float(np.max(t))

    def objective(logth: FloatArray) -> float:
        with np.errstate(all="ignore"):
            th = tuple(float(v) for v in np.exp(logth))
            r = model.function(t, th)
        if not np.all(np.isfinite(r)):
            return 1e300
        return _neg_log_likelihood(r, n, g)

    best: tuple[float, FloatArray] | None = None
    for start in model.starts(rate):
        x0 = np.log(np.asarray(start, dtype=float))
        res = optimize.minimize(
            objective,
            x0,
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 4000, "maxfev": 8000},
        )
        if best is None or float(res.fun) < best[0]:
            best = (float(res.fun), np.asarray(res.x, dtype=float))
    assert best is not None
    return tuple(float(v) for v in np.exp(best[1]))


def _reliability_sd(
    model: ReliabilityModel, theta: tuple[float, ...], data: BinnedReliability
) -> Callable[[FloatArray], FloatArray]:
    """u(R(tau)) by the delta method (RP-1 D-29): d' (D' W D)^-1 d with W = n/(R(1-R)),
    derivatives taken in log-parameters by central differences."""
    t = np.asarray(data.t, dtype=float)
    n = np.asarray(data.n, dtype=float)
    logth = np.log(np.asarray(theta, dtype=float))
    h = 1e-5

    def grad(tt: FloatArray) -> FloatArray:
        cols = []
        for j in range(logth.size):
            up, dn = logth.copy(), logth.copy()
            up[j] += h
            dn[j] -= h
            r_up = model.reliability(tt, tuple(float(v) for v in np.exp(up)))
            r_dn = model.reliability(tt, tuple(float(v) for v in np.exp(dn)))
            cols.append((r_up - r_dn) / (2 * h))
        return np.column_stack(cols)

    r = np.clip(model.reliability(t, theta), 1e-12, 1 - 1e-12)
    big_d = grad(t)
    info = big_d.T @ (big_d * (n / (r * (1.0 - r)))[:, None])
    cov = np.linalg.pinv(info)

    def sd(tau: FloatArray) -> FloatArray:
        d = grad(np.atleast_1d(np.asarray(tau, dtype=float)))
        var = np.asarray(np.einsum("ij,jk,ik->i", d, cov, d), dtype=float)
        return np.sqrt(np.maximum(0.0, var))

    return sd


def _interval_band(
    model: ReliabilityModel, theta: tuple[float, ...], data: BinnedReliability, target: float
) -> tuple[float | None, float | None]:
    conf = _data.number("intervals", "s2", "interval_confidence")
    z = float(sps.norm.isf((1.0 - conf) / 2.0))
    try:
        sd = _reliability_sd(model, theta, data)
    except (np.linalg.LinAlgError, ValueError):
        return (None, None)
    hi_t = 1e3 * float(max(data.t))
    grid = np.concatenate([[0.0], np.geomspace(1e-6 * hi_t, hi_t, 600)])
    r = model.reliability(grid, theta)
    s = sd(grid)
    bounds: list[float | None] = []
    for sign in (-1.0, 1.0):
        g = r + sign * z * s - target
        idx = np.flatnonzero((g[:-1] > 0.0) & (g[1:] <= 0.0))
        if idx.size == 0:
            bounds.append(None)
            continue
        i = int(idx[0])

        def f(x: float, sign: float = sign) -> float:
            band = float(sd(np.asarray([x]))[0])
            return float(model.reliability(x, theta)) + sign * z * band - target

        bounds.append(float(optimize.brentq(f, float(grid[i]), float(grid[i + 1]))))
    return (bounds[0], bounds[1])


def interval_s2(data: BinnedReliability, target: float) -> S2Result:
    """NCSLI RP-1 Method S2: fit every reliability model, test each by the F test, and
    recommend the interval of the model with the best figure of merit.

    Figure of merit G = N_G t_R^(1/4) / C (RP-1 D.6): C is the rejection confidence,
    t_R the time where R falls to 1 - target, and N_G the number of accepted models whose
    interval lies within 20 % of this one (our reading of RP-1's "grouping").
    """
    _check_probability(target, "target")
    f_conf = _data.number("intervals", "s2", "f_test_confidence")
    expo = _data.number("intervals", "s2", "figure_of_merit_exponent")
    t = np.asarray(data.t, dtype=float)
    n = np.asarray(data.n, dtype=float)
    r = np.asarray(data.observed_reliability, dtype=float)
    k = t.size
    n_total = float(np.sum(n))
    if np.all(r >= 1.0):
        raise StatsInputError(
            "every result is in tolerance: S2 cannot estimate how reliability falls; "
            "use Method A3 to lengthen the interval",
            field="observed_reliability",
        )
    if np.all(r <= 0.0):
        raise StatsInputError(
            "every result is out of tolerance: S2 cannot fit a reliability model",
            field="observed_reliability",
        )
    raw: list[tuple[ReliabilityModel, tuple[float, ...], float, float | None, float | None, float]]
    raw = []
    for model in RELIABILITY_MODELS:
        theta = fit_reliability_model(model, data)
        fitted = model.reliability(t, theta)
        ll = -_neg_log_likelihood(fitted, n, n * r)
        m = len(theta)
        c: float | None = None
        if k > m and n_total > k:
            se2 = float(np.sum(n * r * (1.0 - r))) / (n_total - k)
            sl2 = float(np.sum(n * (r - fitted) ** 2)) / (k - m)
            if se2 > 0.0:
                c = float(sps.f.cdf(sl2 / se2, k - m, n_total - k))
            else:
                c = 1.0 if sl2 > 1e-12 else 0.0
        interval = solve_reliability_interval(model, theta, target, float(np.max(t)))
        t_r = solve_reliability_interval(model, theta, 1.0 - target, float(np.max(t)))
        raw.append((model, theta, ll, interval, c, t_r if t_r is not None else 0.0))
    fits: list[ModelFit] = []
    for model, theta, ll, interval, c, t_r in raw:
        accepted = c is not None and c < f_conf and interval is not None
        group = 0
        if accepted and interval is not None:
            for _, _, _, other_i, other_c, _ in raw:
                if (
                    other_i is not None
                    and other_c is not None
                    and other_c < f_conf
                    and abs(other_i - interval) <= 0.2 * interval
                ):
                    group += 1
        merit = group * t_r**expo / max(c if c is not None else 1.0, 1e-6) if accepted else 0.0
        band = _interval_band(model, theta, data, target) if interval is not None else (None, None)
        fits.append(ModelFit(model.name, theta, ll, interval, c, accepted, merit, band))
    candidates = [f for f in fits if f.accepted]
    best = max(candidates, key=lambda f: f.figure_of_merit) if candidates else None
    return S2Result(
        target=target,
        best_model=None if best is None else best.model,
        interval=None if best is None else best.interval,
        models=tuple(fits),
    )


# ---------------------------------------------------------------- variables method


@dataclass(frozen=True)
class DriftResult:
    """Linear drift fit y = b0 + b1 t of as-found deviations and the interval where the
    one-sided prediction bound at ``confidence`` first meets a tolerance limit."""

    intercept: float
    slope: float
    s: float
    n: int
    t_mean: float
    sxx: float
    confidence: float
    lower_limit: float
    upper_limit: float
    interval: float | None
    limit_reached: Literal["upper", "lower"] | None

    def prediction_bounds(self, t: FloatArray | float) -> tuple[FloatArray, FloatArray]:
        """Lower and upper one-sided prediction bounds for a new as-found value at t."""
        tt = np.asarray(t, dtype=float)
        q = float(sps.t.ppf(self.confidence, self.n - 2))
        half = q * self.s * np.sqrt(1.0 + 1.0 / self.n + (tt - self.t_mean) ** 2 / self.sxx)
        centre = self.intercept + self.slope * tt
        return centre - half, centre + half


def interval_variables(
    t: Sequence[float],
    deviation: Sequence[float],
    *,
    lower_limit: float,
    upper_limit: float,
    confidence: float | None = None,
) -> DriftResult:
    """Variables (drift regression) method: least-squares line through the as-found
    deviations against time since calibration; the interval is the smallest t > 0 where
    the one-sided prediction bound reaches a tolerance limit (Castrup; NASA RP-1342)."""
    conf = (
        confidence
        if confidence is not None
        else _data.number("intervals", "variables", "confidence")
    )
    _check_probability(conf, "confidence")
    tt = np.asarray(t, dtype=float)
    yy = np.asarray(deviation, dtype=float)
    if tt.shape != yy.shape or tt.ndim != 1:
        raise StatsInputError("t and deviation must be sequences of the same length", field="t")
    if tt.size < 3:
        raise StatsInputError("the variables method needs at least 3 points", field="t")
    if not (np.all(np.isfinite(tt)) and np.all(np.isfinite(yy))):
        raise StatsInputError("t and deviation must be finite numbers", field="deviation")
    if np.any(tt < 0.0):
        raise StatsInputError("t must be >= 0", field="t")
    if not lower_limit < upper_limit:
        raise StatsInputError("lower_limit must be below upper_limit", field="lower_limit")
    t_mean = float(tt.mean())
    sxx = float(np.sum((tt - t_mean) ** 2))
    if sxx == 0.0:
        raise StatsInputError("all t are equal: the drift cannot be estimated", field="t")
    slope = float(np.sum((tt - t_mean) * (yy - yy.mean())) / sxx)
    intercept = float(yy.mean() - slope * t_mean)
    resid = yy - (intercept + slope * tt)
    s = math.sqrt(float(np.sum(resid**2)) / (tt.size - 2))
    base = DriftResult(
        intercept, slope, s, int(tt.size), t_mean, sxx, conf, lower_limit, upper_limit, None, None
    )

    def margin(x: float) -> float:
        lo, hi = base.prediction_bounds(x)
        return float(min(upper_limit - hi, lo - lower_limit))

    if margin(0.0) <= 0.0:
        which: Literal["upper", "lower"] = (
            "upper" if float(base.prediction_bounds(0.0)[1]) >= upper_limit else "lower"
        )
        return DriftResult(**{**base.__dict__, "interval": 0.0, "limit_reached": which})
    hi = max(float(tt.max()), 1.0)
    while margin(hi) > 0.0:
        hi *= 2.0
        if hi > 1e9:
            return base
    root = float(optimize.brentq(margin, 0.0, hi, xtol=1e-9 * hi))
    lo_b, hi_b = base.prediction_bounds(root)
    which = "upper" if abs(float(hi_b) - upper_limit) <= abs(float(lo_b) - lower_limit) else "lower"
    return DriftResult(**{**base.__dict__, "interval": root, "limit_reached": which})
