"""Acceptance sampling of lots (e.g. meters in service): attribute and variables plans,
OC curves and an auditable, seeded draw of the sample."""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

from jiliang.stats import _data
from jiliang.stats._errors import StatsInputError

FloatArray = npt.NDArray[np.float64]
Distribution = Literal["binomial", "hypergeometric"]


def _check_fraction(value: float, field: str) -> None:
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        raise StatsInputError(f"{field} must lie strictly between 0 and 1", field=field)


def _defectives(p: float, lot: int, *, side: Literal["producer", "consumer"]) -> int:
    # producer side: lots with at most floor(p N) nonconforming items are at quality p or
    # better; consumer side: lots with at least ceil(p N) are at p or worse.
    x = p * lot
    return math.floor(x + 1e-9) if side == "producer" else math.ceil(x - 1e-9)


def acceptance_probability(
    n: int, c: int, p: float | FloatArray, *, lot: int | None = None
) -> FloatArray:
    """P(accept) of the single plan (n, c) at fraction nonconforming p: binomial, or
    hypergeometric with round(p N) nonconforming items in a lot of size ``lot``."""
    pp = np.asarray(p, dtype=float)
    if lot is None:
        return np.asarray(sps.binom.cdf(c, n, pp), dtype=float)
    d = np.rint(pp * lot).astype(int)
    return np.asarray(sps.hypergeom.cdf(c, lot, d, n), dtype=float)


@dataclass(frozen=True)
class OCCurve:
    """Operating characteristic as data: fraction nonconforming p and P(accept)."""

    p: tuple[float, ...]
    pa: tuple[float, ...]


@dataclass(frozen=True)
class AttributePlan:
    """Single sampling plan by attributes: inspect n items, accept the lot if at most c
    are nonconforming. ``pa_p1`` and ``pa_p2`` are the achieved OC points."""

    n: int
    c: int
    p1: float
    alpha: float
    p2: float
    beta: float
    lot: int | None
    distribution: Distribution
    pa_p1: float
    pa_p2: float

    def accepts(self, nonconforming: int) -> bool:
        """Lot decision for the number of nonconforming items found in the sample."""
        if nonconforming < 0 or nonconforming > self.n:
            raise StatsInputError(f"nonconforming must lie in 0..{self.n}", field="nonconforming")
        return nonconforming <= self.c

    def oc_curve(self, points: int = 101, p_max: float | None = None) -> OCCurve:
        """OC curve on ``points`` equally spaced p from 0 to ``p_max`` (default 2 p2)."""
        top = p_max if p_max is not None else min(1.0, 2.0 * self.p2)
        p = np.linspace(0.0, top, points)
        pa = acceptance_probability(self.n, self.c, p, lot=self.lot)
        return OCCurve(tuple(float(v) for v in p), tuple(float(v) for v in pa))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``n``, ``c``, ``pa_p1``, ``pa_p2`` are the stable keys."""
        return {
            "n": self.n,
            "c": self.c,
            "pa_p1": self.pa_p1,
            "pa_p2": self.pa_p2,
            "p1": self.p1,
            "alpha": self.alpha,
            "p2": self.p2,
            "beta": self.beta,
            "lot": self.lot,
            "distribution": self.distribution,
        }


def attribute_plan(
    p1: float, alpha: float, p2: float, beta: float, *, lot: int | None = None
) -> AttributePlan:
    """Smallest n (and with it the smallest c) with P(accept | p1) >= 1 - alpha and
    P(accept | p2) <= beta. Binomial without ``lot``; with ``lot`` = N the hypergeometric
    of GB/T 2828.2 / ISO 2859-2 procedure A, with floor(p1 N) and ceil(p2 N)
    nonconforming items in the lot at the two OC points."""
    for value, name in ((p1, "p1"), (alpha, "alpha"), (p2, "p2"), (beta, "beta")):
        _check_fraction(value, name)
    if not p1 < p2:
        raise StatsInputError("p1 must be smaller than p2", field="p2")
    if alpha + beta >= 1.0:
        raise StatsInputError("alpha + beta must be below 1", field="beta")
    cap = int(_data.number("sampling", "attributes", "max_sample_size"))
    dist: Distribution = "binomial"
    q1, q2 = p1, p2
    if lot is not None:
        if lot < 2:
            raise StatsInputError("lot size must be at least 2", field="lot")
        d1 = _defectives(p1, lot, side="producer")
        d2 = _defectives(p2, lot, side="consumer")
        if d2 <= d1:
            raise StatsInputError(
                f"lot of {lot} is too small to tell p1 from p2 ({d1} vs {d2} nonconforming)",
                field="lot",
            )
        cap = min(cap, lot)
        dist = "hypergeometric"
        q1, q2 = d1 / lot, d2 / lot

    def pa(n: int, c: int, q: float) -> float:
        return float(acceptance_probability(n, c, q, lot=lot))

    # For each acceptance number c the consumer's point fixes the smallest n (P(accept)
    # falls with n); the producer's point then only gets harder as n grows, and that
    # smallest n grows with c, so the first c whose smallest n passes both is optimal.
    c = 0
    while True:
        if c + 1 > cap or pa(cap, c, q2) > beta:
            raise StatsInputError(
                "no sampling plan meets both OC points within the lot / sample-size limit",
                field="lot" if lot is not None else "p2",
            )
        lo, hi = c + 1, cap
        while lo < hi:
            mid = (lo + hi) // 2
            if pa(mid, c, q2) <= beta:
                hi = mid
            else:
                lo = mid + 1
        n = lo
        if pa(n, c, q1) >= 1.0 - alpha:
            break
        c += 1
    pa1 = pa(n, c, q1)
    pa2 = pa(n, c, q2)
    return AttributePlan(n, c, p1, alpha, p2, beta, lot, dist, pa1, pa2)


@dataclass(frozen=True)
class VariablesPlan:
    """k-method plan by variables: accept if (U - mean)/s >= k (or (mean - L)/s >= k).

    ``n`` is the rounded-up sample size, ``n_exact`` the formula value. With unknown
    sigma, n follows Wallis' approximation n_s = n_sigma (1 + k^2/2).
    """

    n: int
    n_exact: float
    k: float
    sigma_known: bool
    p1: float
    alpha: float
    p2: float
    beta: float

    def acceptance_probability(self, p: float | FloatArray) -> FloatArray:
        """Normal-approximation OC: Phi((z_p - k) / sqrt(1/n (+ k^2/(2n) if sigma unknown)))."""
        zp = sps.norm.isf(np.asarray(p, dtype=float))
        var = 1.0 / self.n if self.sigma_known else (1.0 + self.k**2 / 2.0) / self.n
        return np.asarray(sps.norm.cdf((zp - self.k) / math.sqrt(var)), dtype=float)

    def oc_curve(self, points: int = 101, p_max: float | None = None) -> OCCurve:
        """OC curve on ``points`` p values from 0 to ``p_max`` (default 2 p2)."""
        top = p_max if p_max is not None else min(1.0, 2.0 * self.p2)
        p = np.linspace(0.0, top, points)
        return OCCurve(
            tuple(float(v) for v in p), tuple(float(v) for v in self.acceptance_probability(p))
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the plan."""
        return {
            "n": self.n,
            "n_exact": self.n_exact,
            "k": self.k,
            "sigma_known": self.sigma_known,
            "p1": self.p1,
            "alpha": self.alpha,
            "p2": self.p2,
            "beta": self.beta,
        }


def variables_plan(
    p1: float, alpha: float, p2: float, beta: float, *, sigma_known: bool = False
) -> VariablesPlan:
    """n and k of the k-method from two OC points (normal theory; Wallis for unknown sigma):
    k = (z_p1 z_beta + z_p2 z_alpha) / (z_alpha + z_beta),
    n_sigma = ((z_alpha + z_beta) / (z_p1 - z_p2))^2, with z_q = Phi^-1(1 - q)."""
    for value, name in ((p1, "p1"), (alpha, "alpha"), (p2, "p2"), (beta, "beta")):
        _check_fraction(value, name)
    if not p1 < p2:
        raise StatsInputError("p1 must be smaller than p2", field="p2")
    za, zb = float(sps.norm.isf(alpha)), float(sps.norm.isf(beta))
    z1, z2 = float(sps.norm.isf(p1)), float(sps.norm.isf(p2))
    k = (z1 * zb + z2 * za) / (za + zb)
    n_sigma = ((za + zb) / (z1 - z2)) ** 2
    n_exact = n_sigma if sigma_known else n_sigma * (1.0 + k**2 / 2.0)
    return VariablesPlan(
        max(2, math.ceil(n_exact - 1e-9)), n_exact, k, sigma_known, p1, alpha, p2, beta
    )


@dataclass(frozen=True)
class VariablesDecision:
    """Lot decision of the k-method from measured values."""

    mean: float
    s: float
    q_upper: float | None
    q_lower: float | None
    k: float
    accept: bool


def variables_decision(
    values: Sequence[float],
    k: float,
    *,
    upper: float | None = None,
    lower: float | None = None,
    sigma: float | None = None,
) -> VariablesDecision:
    """Accept if Q_U = (U - mean)/s >= k and Q_L = (mean - L)/s >= k for the limits given
    (s is the sample SD, or the known ``sigma``)."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise StatsInputError("need at least 2 finite values", field="values")
    if upper is None and lower is None:
        raise StatsInputError("give an upper or a lower limit", field="upper")
    s = float(sigma) if sigma is not None else float(np.std(x, ddof=1))
    if not s > 0.0:
        raise StatsInputError("standard deviation is zero or negative", field="values")
    mean = float(x.mean())
    qu = None if upper is None else (upper - mean) / s
    ql = None if lower is None else (mean - lower) / s
    accept = all(q >= k for q in (qu, ql) if q is not None)
    return VariablesDecision(mean, s, qu, ql, k, accept)


@dataclass(frozen=True)
class SampleDraw:
    """Auditable sample: anyone with the seed, the algorithm name and the population can
    recompute ``selected`` (in the order drawn)."""

    seed: str
    algorithm: str
    population_size: int
    selected: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the draw."""
        return {
            "seed": self.seed,
            "algorithm": self.algorithm,
            "population_size": self.population_size,
            "selected": list(self.selected),
        }


def draw_sample(ids: Sequence[str], n: int, seed: str | int) -> SampleDraw:
    """Draw n distinct IDs: rank every ID by SHA-256(seed, 0x1F, id) and take the n
    smallest digests. Independent of the order of ``ids`` and of any RNG library."""
    algorithm = _data.text("sampling", "draw", "algorithm")
    if isinstance(seed, bool) or not isinstance(seed, int | str) or str(seed) == "":
        raise StatsInputError("seed must be a non-empty string or an integer", field="seed")
    seen: set[str] = set()
    for i, ident in enumerate(ids, start=1):
        if not isinstance(ident, str) or not ident:
            raise StatsInputError(f"ID number {i} is empty or not text", field="ids")
        if ident in seen:
            raise StatsInputError(f"ID {ident!r} appears twice in the lot", field="ids")
        seen.add(ident)
    if not 1 <= n <= len(seen):
        raise StatsInputError(f"n must lie in 1..{len(seen)}", field="n")
    key = str(seed).encode("utf-8") + b"\x1f"
    ranked = heapq.nsmallest(
        n, ids, key=lambda ident: hashlib.sha256(key + ident.encode("utf-8")).digest()
    )
    return SampleDraw(str(seed), algorithm, len(seen), tuple(ranked))
