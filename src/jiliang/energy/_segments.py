"""Per-point ("segment") operations on arrays sorted by point, without a Python loop per point.

The VEE works on all points of a partition at once: rows sorted by point then time, point
``i`` holding rows ``starts[i]:starts[i + 1]``. The per-row loops are compiled
(``_kernels``); these helpers read cumulative values at given times for every point in a few
numpy calls (registers' midnights, the validated series), the same as one point at a time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def starts_of(p: I64, n_points: int) -> I64:
    """Segment boundaries of sorted point indices: rows of point i are starts[i]:starts[i+1]."""
    return np.searchsorted(p, np.arange(n_points + 1, dtype=np.int64)).astype(np.int64)


def interpolation(
    p: I64, t: I64, starts: I64, qp: I64, qt: I64
) -> tuple[I64, I64, npt.NDArray[np.bool_], F64]:
    """Where the times ``qt`` of points ``qp`` fall among the points' sorted readings.

    Returns (row at or before, row after, whether strictly between two readings, the
    fraction of the way): a cumulative value is read exactly at a reading, linearly
    interpolated between two, and held at the first/last reading outside (no extrapolation).
    """
    low = min(int(t.min()), int(qt.min()))
    width = max(int(t.max()), int(qt.max())) - low + 1
    j = np.searchsorted(p * width + (t - low), qp * width + (qt - low)) - starts[qp]
    n = starts[qp + 1] - starts[qp]
    a = starts[qp]
    exact = (j < n) & (t[a + np.minimum(j, n - 1)] == qt)
    inner = (j > 0) & (j < n) & ~exact
    jj = a + np.where(n > 1, np.clip(j, 1, np.maximum(n - 1, 1)), 0)
    span = (t[jj] - t[np.maximum(jj - 1, 0)]).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(inner, (qt - t[np.maximum(jj - 1, 0)]) / span, 0.0)
    local = np.where(exact, j, np.where(j >= n, n - 1, np.where(j == 0, 0, j - 1)))
    at = a + np.clip(local, 0, n - 1)
    return at, jj, inner, frac


def value_at(c: F64, at: I64, jj: I64, inner: npt.NDArray[np.bool_], frac: F64) -> F64:
    """A cumulative series read at the query times of ``interpolation``."""
    return np.where(inner, c[jj - 1] + frac * (c[jj] - c[jj - 1]), c[at])
