"""Specific and global risks of a conformity decision (JCGM 106:2012 clauses 7 and 9)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import integrate

from jiliang.conformity._errors import ConformityError
from jiliang.conformity._numbers import Number, to_decimal
from jiliang.conformity._rules import Tolerance

# Process mass beyond this many standard deviations is below 1e-30: integrate a finite range so
# that the quadrature sees the peak instead of sampling an infinite interval.
_SPAN = 12.0
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _cdf(z: float) -> float:
    """Standard normal Φ(z) via erfc: accurate in the lower tail (no 1 - x cancellation)."""
    return 0.5 * math.erfc(-z / _SQRT2)


def _sf(z: float) -> float:
    """1 - Φ(z), accurate in the upper tail."""
    return 0.5 * math.erfc(z / _SQRT2)


def _positive(value: Number, field: str) -> float:
    number = float(to_decimal(value, field))
    if number <= 0:
        raise ConformityError(field, f"must be positive, got {number}")
    return number


def _limits(tolerance: Tolerance) -> tuple[float, float]:
    lower = -math.inf if tolerance.lower is None else float(tolerance.lower)
    upper = math.inf if tolerance.upper is None else float(tolerance.upper)
    return lower, upper


def _outside(lower: float, upper: float, centre: float, sigma: float) -> float:
    """P(X outside [lower, upper]) for X ~ N(centre, sigma²), each tail computed directly."""
    below = _cdf((lower - centre) / sigma) if math.isfinite(lower) else 0.0
    above = _sf((upper - centre) / sigma) if math.isfinite(upper) else 0.0
    return below + above


def specific_risk(measured: Number, standard_uncertainty: Number, tolerance: Tolerance) -> float:
    """1 - p_c: probability that the true value lies outside the tolerance, given this result
    (JCGM 106 7.3, normal PDF of the measurand centred on the measured value)."""
    y = float(to_decimal(measured, "measured"))
    u = _positive(standard_uncertainty, "standard_uncertainty")
    lower, upper = _limits(tolerance)
    return _outside(lower, upper, y, u)


def conformance_probability(
    measured: Number, standard_uncertainty: Number, tolerance: Tolerance
) -> float:
    """p_c: probability that the true value lies in the tolerance (JCGM 106 7.3, normal PDF)."""
    return 1.0 - specific_risk(measured, standard_uncertainty, tolerance)


@dataclass(frozen=True)
class GlobalRisk:
    """Global consumer's and producer's risks of a measurement process (JCGM 106 9.5)."""

    false_accept: float
    """PFA, consumer's risk R_C: item out of tolerance and accepted (joint probability)."""
    false_reject: float
    """PFR, producer's risk R_P: item in tolerance and rejected (joint probability)."""


def global_risk(
    process_mean: Number,
    process_sd: Number,
    measurement_sd: Number,
    tolerance: Tolerance,
    acceptance: Tolerance | None = None,
) -> GlobalRisk:
    """PFA and PFR for a normal process N(mean, sd²) measured with normal error N(0, u²).

    R_C = ∫_{y∉T} g0(y) P(x∈A | y) dy and R_P = ∫_{y∈T} g0(y) P(x∉A | y) dy (JCGM 106 9.5),
    by adaptive quadrature (scipy.integrate.quad) on each side of the limits. ``acceptance``
    defaults to the tolerance (simple acceptance); pass ``DecisionRule.acceptance_zone(...)``
    for a guarded rule.
    """
    mean = float(to_decimal(process_mean, "process_mean"))
    sigma_p = _positive(process_sd, "process_sd")
    sigma_m = _positive(measurement_sd, "measurement_sd")
    t_low, t_high = _limits(tolerance)
    a_low, a_high = _limits(acceptance if acceptance is not None else tolerance)
    start, stop = mean - _SPAN * sigma_p, mean + _SPAN * sigma_p

    def density(y: float) -> float:
        z = (y - mean) / sigma_p
        return _INV_SQRT_2PI / sigma_p * math.exp(-0.5 * z * z)

    def accepted(y: float) -> float:
        return density(y) * (1.0 - _outside(a_low, a_high, y, sigma_m))

    def rejected(y: float) -> float:
        return density(y) * _outside(a_low, a_high, y, sigma_m)

    def piece(lo: float, hi: float, accept: bool) -> float:
        lo, hi = max(lo, start), min(hi, stop)
        if lo >= hi:
            return 0.0
        inner = [p for p in (a_low, a_high) if lo < p < hi]
        value, _ = integrate.quad(
            accepted if accept else rejected,
            lo,
            hi,
            points=inner or None,
            limit=200,
            epsabs=1e-14,
            epsrel=1e-10,
        )
        return float(value)

    false_accept = piece(-math.inf, t_low, True) + piece(t_high, math.inf, True)
    false_reject = piece(t_low, t_high, False)
    return GlobalRisk(false_accept=false_accept, false_reject=false_reject)
