"""Engines: the same per-partition job, run in this process (DuckDB) or on Dask distributed.

A partition is a set of whole points. The embedded engine reads a Parquet file once with
DuckDB (points mapped to their index inside DuckDB, rows in file order, straight into
numpy) and runs the vectorised VEE over all points at once; above ``chunk_rows`` it first
checks the file keeping only each row's point (4 bytes a row), then evaluates groups of
whole points of at most ``chunk_rows`` rows, each read from its own row ranges. The Dask
engine maps the same job over the workers of a cluster (``--scheduler ADDR``, or a
LocalCluster with 2 worker processes): the client checks the file and cuts it into groups
of points contiguous in the file; each worker reads only the row ranges of its group
(DuckDB skips the other row groups). Every point's figures depend only on its own rows, so
both engines give identical numbers. Workers read the file themselves: on several machines
it must be at the same path (shared storage). A CSV file cannot be skipped through: each
partition scans it and keeps its points' rows (use Parquet at scale).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from jiliang.energy import _readings
from jiliang.energy._accounts import accounts
from jiliang.energy._errors import EnergyError
from jiliang.energy._site import Site
from jiliang.energy._vee import DailyResult, evaluate_partition

ENGINES = ("embedded", "dask")
# rows per embedded point group above which a file is evaluated group by group: bounds
# memory (docs/benchmarks/energy.md: ≈ 200 bytes a row at the peak)
CHUNK_ROWS = 10_000_000
# rows per slice of the in-memory evaluation (see ``sliced``)
SLICE_ROWS = 1_000_000
# threads evaluating slices at once (each holds about SLICE_ROWS rows of temporaries)
THREADS = max(1, min(4, os.cpu_count() or 1))


def run_partition(
    site: Site, path: str, wanted: list[int], ranges: list[tuple[int, int]] | None = None
) -> DailyResult:
    """Read the rows of points ``wanted`` and evaluate them (a worker's job).

    With ``ranges`` (Parquet) only those row ranges of the file are read; without, the whole
    file is scanned and other points' rows are dropped.
    """
    ids = [p.id for p in site.points]
    if ranges is not None:
        arrays = _readings.read_ranges(path, ids, ranges, wanted)
    else:
        arrays = _readings.read_points(path, ids, wanted)
    return run_arrays(site, arrays, wanted)


def run_arrays(site: Site, arrays: _readings.Arrays, wanted: list[int]) -> DailyResult:
    """Evaluate the points ``wanted`` from arrays that may hold other points too."""
    if len(wanted) < len(site.points):
        keep_rows = np.isin(arrays.pidx, np.asarray(wanted, dtype=np.int64))
        if not keep_rows.all():
            arrays = _readings.Arrays(
                arrays.pidx[keep_rows],
                arrays.utc_seconds[keep_rows],
                arrays.values[keep_rows],
                arrays.seq[keep_rows],
            )
    return sliced(site, arrays, wanted)


def _points_of(result: DailyResult, wanted: list[int] | npt.NDArray[np.int64]) -> DailyResult:
    keep = np.isin(result.point, np.asarray(wanted, dtype=np.int64))
    if keep.all():
        return result
    return DailyResult(
        **{name: getattr(result, name)[keep] for name in DailyResult.__dataclass_fields__}
    )


def sliced(
    site: Site,
    arrays: _readings.Arrays,
    wanted: list[int] | None = None,
    rows: int = SLICE_ROWS,
) -> DailyResult:
    """Evaluate arrays (of the points ``wanted``; None: all) whose rows come point by point in
    slices of about ``rows`` rows of whole points, so numpy's temporaries stay small (fewer
    page faults, more cache hits: 2.5x less CPU at 10^7 rows); other arrays in one piece.
    Any split of the points gives the same figures."""
    p = arrays.pidx
    bounds = np.searchsorted(p, np.arange(len(site.points) + 1))
    label = (bounds[1:] - 1) // max(rows, 1)  # slice of each point, by its last row
    if len(p) <= rows or not bool(np.all(p[1:] >= p[:-1])) or len(np.unique(label)) < 2:
        full = evaluate_partition(site, p, arrays.utc_seconds, arrays.values, arrays.seq)
        return full if wanted is None else _points_of(full, wanted)

    def one(number: np.int64) -> DailyResult:
        points = np.flatnonzero(label == number)
        a, b = int(bounds[points[0]]), int(bounds[points[-1] + 1])
        piece = evaluate_partition(
            site, p[a:b], arrays.utc_seconds[a:b], arrays.values[a:b], arrays.seq[a:b]
        )
        return _points_of(piece, points)

    # numpy releases the GIL in its sorts and array arithmetic: slices run on every core
    # (DuckDB's floor uses them all too); merge() orders the parts, so threads change nothing
    numbers = list(np.unique(label))
    threads = min(len(numbers), THREADS)
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(one, numbers))
    else:
        parts = [one(number) for number in numbers]
    result = merge(parts)
    return result if wanted is None else _points_of(result, wanted)


def _whole_points(site: Site, arrays: _readings.Arrays) -> DailyResult:
    """Evaluate rows sorted by point that hold every row of their points."""
    p = arrays.pidx
    points = p[np.r_[True, p[1:] != p[:-1]]]
    result = evaluate_partition(site, p, arrays.utc_seconds, arrays.values, arrays.seq)
    return _points_of(result, points)


def streamed(site: Site, path: str, rows: int = SLICE_ROWS) -> tuple[int, DailyResult] | None:
    """Check and evaluate a Parquet file written point by point while DuckDB reads it.

    Each point's rows together, in any rising point order (what a meter database exports):
    every ``rows`` rows, the points read so far except the last one, which may go on in
    the next block, are evaluated on a worker thread while DuckDB decodes the next blocks;
    memory holds the slices in flight, not the file. Returns (rows, result), or None as soon
    as a block shows another order (e.g. one timestamp of every point after the other) or a
    bad row: the caller then reads the file whole, which names the first bad row.
    """
    ids = [p.id for p in site.points]
    seen = np.zeros(len(ids), dtype=bool)
    pending: list[_readings.Arrays] = []
    pending_rows = total = 0
    last_point = -1
    futures: list[Future[DailyResult]] = []
    with ThreadPoolExecutor(THREADS) as pool:
        for block, bad in _readings.batches(path, ids):
            p = block.pidx
            if not len(p):
                continue
            if bad or int(p[0]) < last_point or not bool(np.all(p[1:] >= p[:-1])):
                pool.shutdown(cancel_futures=True)
                return None
            total += len(p)
            seen[p] = True
            last_point = int(p[-1])
            pending.append(block)
            pending_rows += len(p)
            if pending_rows >= rows:
                joined = _readings.concat(pending)
                cut = int(np.searchsorted(joined.pidx, joined.pidx[-1]))  # the last point
                pending, pending_rows = [joined], len(joined.pidx)
                if cut > 0:
                    futures.append(pool.submit(_whole_points, site, _rows(joined, 0, cut)))
                    rest = _rows(joined, cut, len(joined.pidx))
                    pending, pending_rows = [rest], len(rest.pidx)
        if pending:
            futures.append(pool.submit(_whole_points, site, _readings.concat(pending)))
        parts = [future.result() for future in futures]
    unseen = np.flatnonzero(~seen)
    if len(unseen) or not parts:  # points without a reading: their days are no_data
        empty = np.zeros(0, dtype=np.int64)
        nothing = evaluate_partition(site, empty, empty, np.zeros(0), empty)
        parts.append(_points_of(nothing, unseen))
    return total, merge(parts)


def _rows(arrays: _readings.Arrays, a: int, b: int) -> _readings.Arrays:
    return _readings.Arrays(
        arrays.pidx[a:b], arrays.utc_seconds[a:b], arrays.values[a:b], arrays.seq[a:b]
    )


def merge(parts: list[DailyResult]) -> DailyResult:
    """One result sorted by point and day from partition results of disjoint points."""
    cat = {
        name: np.concatenate([getattr(part, name) for part in parts])
        for name in DailyResult.__dataclass_fields__
    }
    order = np.lexsort((cat["day"], cat["point"]))
    return DailyResult(**{name: values[order] for name, values in cat.items()})


def partitions(n_points: int, count: int) -> list[list[int]]:
    """Split point indices into ``count`` interleaved groups (similar sizes), none empty."""
    count = max(1, min(count, n_points))
    return [list(range(i, n_points, count)) for i in range(count)]


def evaluate(
    site: Site,
    readings: str | os.PathLike[str],
    *,
    engine: str = "embedded",
    scheduler: str | None = None,
    n_partitions: int | None = None,
    workers: int = 2,
    chunk_rows: int | None = None,
) -> dict[str, Any]:
    """Check the readings file, run the VEE and daily aggregation, return the accounts."""
    if engine not in ENGINES:
        raise EnergyError(f"--engine {engine!r}: use one of {', '.join(ENGINES)}")
    path = str(Path(readings).resolve())
    ids = [p.id for p in site.points]
    chunk = chunk_rows or CHUNK_ROWS
    parquet = Path(path).suffix.lower() in (".parquet", ".pq")
    # a file written point by point is evaluated while it is read (None: another order)
    done = streamed(site, path) if parquet and engine != "dask" and not n_partitions else None
    if done is not None:
        rows, result = done
    elif engine == "dask":
        rows, result = _dask(site, path, parquet, scheduler, n_partitions, workers)
    elif parquet and _readings.parquet_rows(path) > chunk:
        points = _readings.parquet_points(path, ids)
        rows = len(points)
        parts = []
        for group in file_groups(points, len(ids), max_rows=chunk):
            ranges = _readings.row_ranges(points, group, len(ids))
            parts.append(run_arrays(site, _readings.read_ranges(path, ids, ranges, group), group))
        result = merge(parts)
    elif parquet:  # one DuckDB read serves the check and the evaluation
        arrays = _readings.checked_parquet(path, ids)
        rows = len(arrays.pidx)
        if n_partitions:
            groups = partitions(len(ids), n_partitions)
            result = merge([run_arrays(site, arrays, group) for group in groups])
        else:
            result = sliced(site, arrays)
    else:
        rows = _readings.check(path, ids)
        count = n_partitions or max(1, -(-rows // chunk))
        parts = [run_partition(site, path, group) for group in partitions(len(ids), count)]
        result = merge(parts)
    document = accounts(site, result)
    document["engine"] = engine
    document["readings"] = rows
    return document


def file_groups(
    points: npt.NDArray[np.int32],
    n_points: int,
    *,
    count: int | None = None,
    max_rows: int | None = None,
) -> list[list[int]]:
    """Groups of whole points, contiguous in the file (points ordered by their first row),
    of about ``len(points) / count`` rows each or of at most ``max_rows`` (a point with more
    rows forms its own group); none empty. Contiguous groups make tight row ranges."""
    total = len(points)
    counts = np.bincount(points, minlength=n_points)
    first = np.full(n_points, total, dtype=np.int64)
    if total:  # the first row of each run of one point, then the earliest run of each point
        runs = np.flatnonzero(np.r_[True, points[1:] != points[:-1]])
        np.minimum.at(first, points[runs].astype(np.int64), runs.astype(np.int64))
    order = np.argsort(first, kind="stable")
    if count is not None:  # cut the file into ``count`` runs of about equal rows
        k = max(1, min(count, n_points))
        before = np.cumsum(counts[order]) - counts[order]  # rows before each point
        label = np.minimum(before * k // max(total, 1), k - 1)
        cut = [order[label == g].tolist() for g in range(k)]
        return [group for group in cut if group]
    limit = max(1, max_rows or total)
    groups: list[list[int]] = [[]]
    filled = 0
    for index in order.tolist():  # a loop over points to cut groups, not over rows
        rows = int(counts[index])
        if groups[-1] and filled + rows > limit:
            groups.append([])
            filled = 0
        groups[-1].append(index)
        filled += rows
    return groups


def _dask(
    site: Site,
    path: str,
    parquet: bool,
    scheduler: str | None,
    n_partitions: int | None,
    workers: int,
) -> tuple[int, DailyResult]:
    import importlib

    ids = [p.id for p in site.points]
    points = _readings.parquet_points(path, ids) if parquet else None
    rows = len(points) if points is not None else _readings.check(path, ids)
    # distributed has no type hints: hold it as Any
    distributed: Any = importlib.import_module("dask.distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="20s")
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )
        client = Client(cluster)
    try:
        width = sum(client.nthreads().values()) or 1
        count = n_partitions or 2 * width
        if points is not None:
            groups = file_groups(points, len(ids), count=count)
            ranges: list[list[tuple[int, int]] | None] = [
                _readings.row_ranges(points, group, len(ids)) for group in groups
            ]
        else:
            groups = partitions(len(ids), count)
            ranges = [None] * len(groups)
        futures = client.map(
            run_partition, [site] * len(groups), [path] * len(groups), groups, ranges
        )
        parts: list[DailyResult] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return rows, merge(parts)
