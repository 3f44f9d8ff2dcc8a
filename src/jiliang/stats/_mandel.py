"""Mandel's h and k consistency statistics (ISO 5725-2:2019, 7.3.1) from replicate data."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from jiliang.stats import _data
from jiliang.stats._errors import StatsInputError


@dataclass(frozen=True)
class MandelResult:
    """h (between-lab) and k (within-lab) per lab, with critical values per significance.

    ``h_critical`` and ``k_critical`` map alpha (0.01, 0.05 from the data file) to the
    ISO 5725-2 indicator lines; k critical values use the mean number of replicates.
    """

    labs: tuple[str, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    h: tuple[float, ...]
    k: tuple[float, ...]
    h_critical: tuple[tuple[float, float], ...]
    k_critical: tuple[tuple[float, float], ...]


def mandel_critical_h(p: int, alpha: float) -> float:
    """h critical value: (p-1) t / sqrt(p (p - 2 + t^2)), t two-sided at alpha, p-2 dof."""
    t = float(sps.t.isf(alpha / 2.0, p - 2))
    return (p - 1) * t / math.sqrt(p * (p - 2 + t * t))


def mandel_critical_k(p: int, n: int, alpha: float) -> float:
    """k critical value: sqrt(p / (1 + (p-1)/F)), F upper alpha of F(n-1, (p-1)(n-1))."""
    f = float(sps.f.isf(alpha, n - 1, (p - 1) * (n - 1)))
    return math.sqrt(p / (1.0 + (p - 1) / f))


def mandel_h_k(replicates: Mapping[str, Sequence[float]]) -> MandelResult:
    """Mandel's h and k from a table lab -> replicate results (>= 3 labs, >= 2 each)."""
    labs = tuple(replicates)
    p = len(labs)
    if p < 3:
        raise StatsInputError("Mandel's h and k need at least 3 laboratories", field="lab")
    means: list[float] = []
    sds: list[float] = []
    counts: list[int] = []
    for lab in labs:
        arr = np.asarray(replicates[lab], dtype=float)
        if arr.ndim != 1 or arr.size < 2:
            raise StatsInputError(f"lab {lab!r} needs at least 2 replicates", field="replicates")
        if not np.all(np.isfinite(arr)):
            raise StatsInputError(f"lab {lab!r} has a non-finite replicate", field="replicates")
        means.append(float(arr.mean()))
        sds.append(float(arr.std(ddof=1)))
        counts.append(int(arr.size))
    m = np.asarray(means)
    s = np.asarray(sds)
    sd_means = float(np.std(m, ddof=1))
    pooled = math.sqrt(float(np.sum(s**2)) / p)
    if sd_means == 0.0 or pooled == 0.0:
        raise StatsInputError(
            "all lab means (or all replicate spreads) are equal: h or k is undefined",
            field="replicates",
        )
    h = (m - float(m.mean())) / sd_means
    k = s / pooled
    n_typ = max(2, round(sum(counts) / p))
    alphas = [float(a) for a in _data.load("comparison")["mandel"]["alphas"]]
    return MandelResult(
        labs=labs,
        means=tuple(means),
        sds=tuple(sds),
        h=tuple(float(v) for v in h),
        k=tuple(float(v) for v in k),
        h_critical=tuple((a, mandel_critical_h(p, a)) for a in alphas),
        k_critical=tuple((a, mandel_critical_k(p, n_typ, a)) for a in alphas),
    )
