"""Per-point ("segment") operations on arrays sorted by point, without a Python loop per point.

The VEE works on all points of a partition at once: rows sorted by point then time, point
``i`` holding rows ``starts[i]:starts[i + 1]``. These helpers give, for every segment, what
numpy gives for one array (the same floating-point operations in the same order), so a
point's figures do not depend on which other points share its partition.
"""

from __future__ import annotations

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


def cumsum(x: F64, starts: I64) -> F64:
    """``np.cumsum`` of each segment on its own (bit-identical to it).

    Segments of similar length (the same power of two) are laid out as rows of a padded
    matrix and summed along the rows: padding is at most 2x and the number of numpy calls
    grows with the number of length classes, not of points.
    """
    out = np.empty(len(x), dtype=np.float64)
    lengths = np.diff(starts)
    filled = np.flatnonzero(lengths > 0)
    if not len(filled):
        return out
    size_class = np.ceil(np.log2(lengths[filled])).astype(np.int64)
    for cls in np.unique(size_class):
        segs = filled[size_class == cls]
        lens = lengths[segs]
        row = np.repeat(np.arange(len(segs), dtype=np.int64), lens)
        col = np.arange(len(row), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        src = starts[segs][row] + col
        matrix = np.zeros((len(segs), int(lens.max())), dtype=np.float64)
        matrix[row, col] = x[src]
        out[src] = np.cumsum(matrix, axis=1)[row, col]
    return out


def median(x: F64, seg: I64, n_segments: int) -> tuple[F64, I64]:
    """(``np.median`` of each segment's values, count of values); NaN where a segment is empty.

    One float sort of all values, then a stable sort by segment (radix on small integers).
    """
    counts = np.bincount(seg, minlength=n_segments).astype(np.int64)
    result = np.full(n_segments, np.nan)
    if not len(x):
        return result, counts
    order = np.argsort(x, kind="stable")
    small = seg.astype(np.uint16) if n_segments < 65_536 else seg
    order = order[np.argsort(small[order], kind="stable")]
    ordered = x[order]
    begin = np.cumsum(counts) - counts
    has = counts > 0
    lo = (begin + (counts - 1) // 2)[has]
    hi = (begin + counts // 2)[has]
    odd = (counts % 2 == 1)[has]
    # np.median: the middle value, or the mean of the two middle values ((a + b) / 2)
    result[has] = np.where(odd, ordered[lo], (ordered[lo] + ordered[hi]) / 2)
    return result, counts
