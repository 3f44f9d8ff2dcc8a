"""Probability distributions for inputs (JCGM 101 clause 6.4), each with sampler and moments.

Why: Monte Carlo draws from these; the GUM framework uses their analytic mean and standard
deviation. A shared property suite checks that samples agree with the analytic moments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import special

from jiliang.uncertainty._errors import UncertaintyError

__all__ = [
    "Arcsine",
    "CurvilinearTrapezoid",
    "Distribution",
    "Exponential",
    "Gamma",
    "LogNormal",
    "Normal",
    "Rectangular",
    "StudentT",
    "Trapezoidal",
    "Triangular",
]

F64 = npt.NDArray[np.float64]


class Distribution(Protocol):
    """What every input distribution provides."""

    @property
    def mean(self) -> float: ...

    @property
    def std(self) -> float: ...

    def sample(self, rng: np.random.Generator, size: int) -> F64: ...

    def ppf(self, q: F64) -> F64: ...


def _positive(name: str, **vals: float) -> None:
    for k, v in vals.items():
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise UncertaintyError(f"{name}: {k} must be a positive finite number, got {v!r}")


def _finite(name: str, **vals: float) -> None:
    for k, v in vals.items():
        if not (isinstance(v, (int, float)) and math.isfinite(v)):
            raise UncertaintyError(f"{name}: {k} must be a finite number, got {v!r}")


@dataclass(frozen=True)
class Normal:
    """N(mu, sigma^2) (JCGM 101 6.4.7)."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        _finite("normal", mu=self.mu)
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise UncertaintyError(f"normal: sigma must be >= 0, got {self.sigma!r}")

    @property
    def mean(self) -> float:
        return self.mu

    @property
    def std(self) -> float:
        return self.sigma

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        # standard_normal plus in-place scaling is ~3x faster than rng.normal(mu, sigma)
        x = rng.standard_normal(size)
        x *= self.sigma
        x += self.mu
        return x

    def ppf(self, q: F64) -> F64:
        return np.asarray(self.mu + self.sigma * special.ndtri(q), dtype=np.float64)


@dataclass(frozen=True)
class StudentT:
    """Scaled and shifted t_nu(loc, scale^2) (JCGM 101 6.4.9)."""

    loc: float
    scale: float
    dof: float

    def __post_init__(self) -> None:
        _finite("t", loc=self.loc)
        _positive("t", scale=self.scale, dof=self.dof)

    @property
    def mean(self) -> float:
        return self.loc if self.dof > 1 else math.nan

    @property
    def std(self) -> float:
        return self.scale * math.sqrt(self.dof / (self.dof - 2)) if self.dof > 2 else math.inf

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        x = rng.standard_t(self.dof, size)
        x *= self.scale
        x += self.loc
        return x

    def ppf(self, q: F64) -> F64:
        return np.asarray(self.loc + self.scale * special.stdtrit(self.dof, q), dtype=np.float64)


@dataclass(frozen=True)
class Rectangular:
    """R(mid - halfwidth, mid + halfwidth) (JCGM 101 6.4.2)."""

    mid: float
    halfwidth: float

    def __post_init__(self) -> None:
        _finite("rectangular", mid=self.mid)
        _positive("rectangular", halfwidth=self.halfwidth)

    @property
    def mean(self) -> float:
        return self.mid

    @property
    def std(self) -> float:
        return self.halfwidth / math.sqrt(3.0)

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        # random() plus in-place scaling is much faster than rng.uniform(lo, hi)
        x = rng.random(size)
        x *= 2.0 * self.halfwidth
        x += self.mid - self.halfwidth
        return x

    def ppf(self, q: F64) -> F64:
        return self.mid + self.halfwidth * (2.0 * q - 1.0)


@dataclass(frozen=True)
class Triangular:
    """Symmetric triangular on mid +- halfwidth (JCGM 101 6.4.5)."""

    mid: float
    halfwidth: float

    def __post_init__(self) -> None:
        _finite("triangular", mid=self.mid)
        _positive("triangular", halfwidth=self.halfwidth)

    @property
    def mean(self) -> float:
        return self.mid

    @property
    def std(self) -> float:
        return self.halfwidth / math.sqrt(6.0)

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        x = rng.random(size)
        x += rng.random(size)
        x -= 1.0
        x *= self.halfwidth
        x += self.mid
        return x

    def ppf(self, q: F64) -> F64:
        q = np.asarray(q, dtype=np.float64)
        lo = np.sqrt(2.0 * q) - 1.0
        hi = 1.0 - np.sqrt(2.0 * (1.0 - q))
        return self.mid + self.halfwidth * np.where(q < 0.5, lo, hi)


@dataclass(frozen=True)
class Trapezoidal:
    """Symmetric trapezoid, top/base width ratio beta (JCGM 101 6.4.4)."""

    mid: float
    halfwidth: float
    beta: float

    def __post_init__(self) -> None:
        _finite("trapezoidal", mid=self.mid)
        _positive("trapezoidal", halfwidth=self.halfwidth)
        if not (0.0 <= self.beta <= 1.0):
            raise UncertaintyError(f"trapezoidal: beta must be in [0, 1], got {self.beta!r}")

    @property
    def mean(self) -> float:
        return self.mid

    @property
    def std(self) -> float:
        # u^2 = (b - a)^2 (1 + beta^2) / 24 with b - a = 2 halfwidth (JCGM 101 6.4.4.3)
        return self.halfwidth * math.sqrt((1.0 + self.beta**2) / 6.0)

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        # xi = a + (b - a)/2 [(1 + beta) r1 + (1 - beta) r2] (JCGM 101 6.4.4.4)
        x = rng.random(size)
        x *= 1.0 + self.beta
        x += (1.0 - self.beta) * rng.random(size)
        x -= 1.0
        x *= self.halfwidth
        x += self.mid
        return x

    def ppf(self, q: F64) -> F64:
        q = np.asarray(q, dtype=np.float64)
        b = self.beta
        h = 1.0 / (1.0 + b)  # density height on the standardised support [-1, 1]
        f1 = h * (1.0 - b) / 2.0  # probability below the flat top
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = -1.0 + np.sqrt(2.0 * (1.0 - b) * q / h)
            mid = -b + (q - f1) / h
            hi = 1.0 - np.sqrt(2.0 * (1.0 - b) * (1.0 - q) / h)
        x = np.where(q <= f1, lo, np.where(q <= 1.0 - f1, mid, hi))
        return np.asarray(self.mid + self.halfwidth * x, dtype=np.float64)


@dataclass(frozen=True)
class CurvilinearTrapezoid:
    """Rectangular whose half-width is itself inexact by +-d (JCGM 101 6.4.3)."""

    mid: float
    halfwidth: float
    d: float

    def __post_init__(self) -> None:
        _finite("curvilinear_trapezoid", mid=self.mid)
        _positive("curvilinear_trapezoid", halfwidth=self.halfwidth, d=self.d)
        if self.d >= self.halfwidth:
            raise UncertaintyError("curvilinear_trapezoid: d must be smaller than halfwidth")

    @property
    def mean(self) -> float:
        return self.mid

    @property
    def std(self) -> float:
        # u^2 = (b - a)^2 / 12 + d^2 / 9 (JCGM 101 6.4.3.3)
        return math.sqrt(self.halfwidth**2 / 3.0 + self.d**2 / 9.0)

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        # a_s = (a - d) + 2 d r2, b_s = (a + b) - a_s, xi = a_s + (b_s - a_s) r1 (6.4.3.4)
        lo = self.mid - self.halfwidth
        a_s = (lo - self.d) + 2.0 * self.d * rng.random(size)
        b_s = 2.0 * self.mid - a_s
        return a_s + (b_s - a_s) * rng.random(size)

    def ppf(self, q: F64) -> F64:
        raise UncertaintyError(
            "curvilinear_trapezoid inputs cannot be correlated (no closed-form quantile)"
        )


@dataclass(frozen=True)
class Arcsine:
    """U-shaped (arcsine) on mid +- halfwidth (JCGM 101 6.4.6)."""

    mid: float
    halfwidth: float

    def __post_init__(self) -> None:
        _finite("arcsine", mid=self.mid)
        _positive("arcsine", halfwidth=self.halfwidth)

    @property
    def mean(self) -> float:
        return self.mid

    @property
    def std(self) -> float:
        return self.halfwidth / math.sqrt(2.0)

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        # xi = (a + b)/2 + (b - a)/2 sin(2 pi r) (JCGM 101 6.4.6.4)
        x = rng.random(size)
        x *= 2.0 * math.pi
        np.sin(x, out=x)
        x *= self.halfwidth
        x += self.mid
        return x

    def ppf(self, q: F64) -> F64:
        return self.mid - self.halfwidth * np.cos(math.pi * np.asarray(q))


@dataclass(frozen=True)
class Exponential:
    """Exponential with the given mean, for a quantity known only to be >= 0 (JCGM 101 6.4.10)."""

    mean_value: float

    def __post_init__(self) -> None:
        _positive("exponential", mean=self.mean_value)

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def std(self) -> float:
        return self.mean_value

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        return rng.exponential(self.mean_value, size)

    def ppf(self, q: F64) -> F64:
        return -self.mean_value * np.log1p(-np.asarray(q))


@dataclass(frozen=True)
class Gamma:
    """Gamma(shape k, scale theta), e.g. for counts (JCGM 101 6.4.11)."""

    shape: float
    scale: float

    def __post_init__(self) -> None:
        _positive("gamma", shape=self.shape, scale=self.scale)

    @classmethod
    def from_mean_u(cls, mean: float, u: float) -> Gamma:
        _positive("gamma", value=mean, u=u)
        return cls((mean / u) ** 2, u * u / mean)

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def std(self) -> float:
        return math.sqrt(self.shape) * self.scale

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        return rng.gamma(self.shape, self.scale, size)

    def ppf(self, q: F64) -> F64:
        return np.asarray(special.gammaincinv(self.shape, q) * self.scale, dtype=np.float64)


@dataclass(frozen=True)
class LogNormal:
    """exp(N(mu, sigma^2)): a positive quantity with a relative uncertainty."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        _finite("lognormal", mu=self.mu)
        _positive("lognormal", sigma=self.sigma)

    @classmethod
    def from_mean_u(cls, mean: float, u: float) -> LogNormal:
        _positive("lognormal", value=mean, u=u)
        s2 = math.log1p((u / mean) ** 2)
        return cls(math.log(mean) - s2 / 2.0, math.sqrt(s2))

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2.0)

    @property
    def std(self) -> float:
        return self.mean * math.sqrt(math.expm1(self.sigma**2))

    def sample(self, rng: np.random.Generator, size: int) -> F64:
        return rng.lognormal(self.mu, self.sigma, size)

    def ppf(self, q: F64) -> F64:
        return np.asarray(np.exp(self.mu + self.sigma * special.ndtri(q)), dtype=np.float64)


def describe(dist: Any) -> str:
    """Short name used in budgets and JSON."""
    return {
        Normal: "normal",
        StudentT: "t",
        Rectangular: "rectangular",
        Triangular: "triangular",
        Trapezoidal: "trapezoidal",
        CurvilinearTrapezoid: "curvilinear_trapezoid",
        Arcsine: "arcsine",
        Exponential: "exponential",
        Gamma: "gamma",
        LogNormal: "lognormal",
    }.get(type(dist), type(dist).__name__)
