"""Per-point ("segment") operations on arrays sorted by point, without a Python loop per point.

The VEE works on all points of a partition at once: rows sorted by point then time, point
``i`` holding rows ``starts[i]:starts[i + 1]``. These helpers give, for every segment, what
numpy gives for one array (the same floating-point operations in the same order), so a
point's figures do not depend on which other points share its partition.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def starts_of(p: I64, n_points: int) -> I64:
    """Segment boundaries of sorted point indices: rows of point i are starts[i]:starts[i+1]."""
    return np.searchsorted(p, np.arange(n_points + 1, dtype=np.int64)).astype(np.int64)


def position(starts: I64) -> tuple[I64, I64]:
    """(segment of each row, position of each row inside its segment)."""
    lengths = np.diff(starts)
    seg = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    pos = np.arange(int(starts[-1]) - int(starts[0]), dtype=np.int64) - (starts[seg] - starts[0])
    return seg, pos


def _layouts(starts: I64) -> Iterator[tuple[I64, I64, int, I64 | None, I64 | None]]:
    """Segments grouped by length class (the same power of two: padding at most 2x), each as
    (segments, lengths, width, source rows, flat places in a (segments, width) matrix).

    Source rows None: the class holds every row in order; places None: no padding either.
    """
    lengths = np.diff(starts)
    filled = np.flatnonzero(lengths > 0)
    if not len(filled):
        return
    size_class = np.ceil(np.log2(lengths[filled])).astype(np.int64)
    classes = np.unique(size_class)
    for cls in classes:
        segs = filled[size_class == cls] if len(classes) > 1 else filled
        lens = lengths[segs]
        width = int(lens.max())
        inside = np.cumsum(lens) - lens  # where each segment begins among the class's rows
        ar = np.arange(int(lens.sum()), dtype=np.int64)
        src = None if len(classes) == 1 else ar + np.repeat(starts[segs] - inside, lens)
        if len(classes) == 1 and starts[0] != 0:
            src = ar + int(starts[0])
        same = bool(np.all(lens == width))
        dest = None if same else ar + np.repeat(np.arange(len(segs)) * width - inside, lens)
        yield segs, lens, width, src, dest


def _matrix(x: F64, segs: I64, width: int, src: I64 | None, dest: I64 | None, pad: float) -> F64:
    values = x if src is None else x[src]
    if dest is None:
        return values.reshape(len(segs), width).copy()
    matrix = np.full(len(segs) * width, pad)
    matrix[dest] = values
    return matrix.reshape(len(segs), width)


def cumsum(x: F64, starts: I64) -> F64:
    """``np.cumsum`` of each segment on its own (bit-identical to it).

    Segments of similar length are rows of a padded matrix summed along the rows: the
    number of numpy calls grows with the number of length classes, not of points.
    """
    out = np.empty(len(x), dtype=np.float64)
    for segs, _, width, src, dest in _layouts(starts):
        sums = np.cumsum(_matrix(x, segs, width, src, dest, 0.0), axis=1).ravel()
        got = sums if dest is None else sums[dest]
        if src is None:
            out[: len(got)] = got
        else:
            out[src] = got
    return out


def median(x: F64, seg: I64, n_segments: int) -> tuple[F64, I64]:
    """(``np.median`` of each segment's values, count of values); NaN where a segment is empty.

    ``seg`` must be sorted (values grouped by segment). Segments of similar length are rows
    of a matrix padded with +inf, sorted along the rows; the median is the middle value or
    the mean of the two middle values, exactly as ``np.median`` takes them.
    """
    counts = np.bincount(seg, minlength=n_segments).astype(np.int64)
    result = np.full(n_segments, np.nan)
    starts = np.r_[0, np.cumsum(counts)].astype(np.int64)
    for segs, lens, width, src, dest in _layouts(starts):
        matrix = _matrix(x, segs, width, src, dest, np.inf)
        matrix.sort(axis=1)
        rows = np.arange(len(segs))
        lo = matrix[rows, (lens - 1) // 2]
        hi = matrix[rows, lens // 2]
        result[segs] = np.where(lens % 2 == 1, lo, (lo + hi) / 2)
    return result, counts


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
