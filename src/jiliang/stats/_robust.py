"""ISO 13528 Algorithm A: robust mean and standard deviation of proficiency-test results."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jiliang.stats import _data
from jiliang.stats._errors import StatsInputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RobustEstimate:
    """Result of Algorithm A: robust mean ``x_star``, robust SD ``s_star`` and u(x_pt)."""

    x_star: float
    s_star: float
    u_x_pt: float
    p: int
    iterations: int


def _constants() -> tuple[float, float, float, float, float, int]:
    return (
        _data.number("comparison", "algorithm_a", "mad_factor"),
        _data.number("comparison", "algorithm_a", "clip_factor"),
        _data.number("comparison", "algorithm_a", "sd_factor"),
        _data.number("comparison", "algorithm_a", "u_xpt_factor"),
        _data.number("comparison", "algorithm_a", "relative_tolerance"),
        int(_data.number("comparison", "algorithm_a", "max_iterations")),
    )


def algorithm_a_rows(x: FloatArray) -> tuple[FloatArray, FloatArray, int]:
    """Run Algorithm A on every row of ``x`` at once (used by the Monte Carlo of DoEs).

    Iterates until x* and s* of every row stop changing (relative tolerance from the
    data file) rather than stopping at three significant figures, so results do not
    depend on the order of rounding.
    """
    mad_f, clip_f, sd_f, _, tol, max_it = _constants()
    p = x.shape[1]
    xs = np.median(x, axis=1)
    ss = mad_f * np.median(np.abs(x - xs[:, None]), axis=1)
    for iteration in range(1, max_it + 1):
        delta = clip_f * ss
        xc = np.clip(x, (xs - delta)[:, None], (xs + delta)[:, None])
        xn = xc.mean(axis=1)
        sn = sd_f * np.sqrt(((xc - xn[:, None]) ** 2).sum(axis=1) / (p - 1))
        scale = np.maximum(np.abs(xn), np.abs(sn)) + np.finfo(float).tiny
        done = bool(
            np.all(np.abs(xn - xs) <= tol * scale) and np.all(np.abs(sn - ss) <= tol * scale)
        )
        xs, ss = xn, sn
        if done:
            return xs, ss, iteration
    return xs, ss, max_it


def algorithm_a(values: Sequence[float]) -> RobustEstimate:
    """ISO 13528:2022 Annex C.3.1 Algorithm A with u(x_pt) = 1.25 s*/sqrt(p) (7.7.3).

    Raises StatsInputError for fewer than 3 values, non-finite values, or when more
    than half of the values are equal (s* = 0: the algorithm cannot start).
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size < 3:
        raise StatsInputError("Algorithm A needs at least 3 values", field="value")
    if not np.all(np.isfinite(arr)):
        raise StatsInputError("values must be finite numbers", field="value")
    mad_f = _data.number("comparison", "algorithm_a", "mad_factor")
    if mad_f * float(np.median(np.abs(arr - np.median(arr)))) == 0.0:
        raise StatsInputError(
            "more than half of the values are equal, so s* = 0 and Algorithm A cannot start",
            field="value",
        )
    xs, ss, iterations = algorithm_a_rows(arr[None, :])
    u_f = _data.number("comparison", "algorithm_a", "u_xpt_factor")
    s_star = float(ss[0])
    return RobustEstimate(
        x_star=float(xs[0]),
        s_star=s_star,
        u_x_pt=u_f * s_star / math.sqrt(arr.size),
        p=int(arr.size),
        iterations=iterations,
    )
