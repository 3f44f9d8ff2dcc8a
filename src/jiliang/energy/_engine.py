"""Engines: the same per-partition job, run in this process (DuckDB) or on Dask distributed.

A partition is a set of whole points. ``run_partition`` reads that set's rows from the
readings file with DuckDB and runs the VEE on them; the embedded engine calls it in this
process (one partition unless the file is large), the Dask engine maps it over the workers
of a cluster (``--scheduler ADDR``, or a LocalCluster with 2 worker processes). Every point's
figures depend only on its own rows, so both engines give identical numbers. Workers read
the file themselves: on several machines it must be at the same path (shared storage).
"""

from __future__ import annotations

import os
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
# rows per embedded partition: bounds memory (≈ 40 bytes a row in numpy plus DuckDB's sort)
CHUNK_ROWS = 20_000_000


def run_partition(site: Site, path: str, wanted: list[int]) -> DailyResult:
    """Read the rows of points ``wanted`` and evaluate them; rows of other points dropped."""
    ids = [p.id for p in site.points]
    return run_arrays(site, _readings.read_points(path, ids, wanted), wanted)


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
    full = evaluate_partition(site, arrays.pidx, arrays.utc_seconds, arrays.values, arrays.seq)
    keep = np.isin(full.point, np.asarray(wanted, dtype=np.int64))
    return DailyResult(
        point=full.point[keep],
        day=full.day[keep],
        quantity=full.quantity[keep],
        estimated=full.estimated[keep],
        not_verified=full.not_verified[keep],
        unknown=full.unknown[keep],
        valid=full.valid[keep],
        expected=full.expected[keep],
        flags=full.flags[keep],
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
    if engine == "embedded" and parquet and _readings.parquet_rows(path) > chunk:
        rows, result = _embedded_chunked(site, path, chunk)
    elif engine == "embedded" and parquet:
        # one Arrow read serves the check and the evaluation
        arrays = _readings.checked_parquet(path, ids)
        rows = len(arrays.pidx)
        count = n_partitions or 1
        parts = [run_arrays(site, arrays, group) for group in partitions(len(ids), count)]
        result = merge(parts)
    elif engine == "embedded":
        rows = _readings.check(path, ids)
        count = n_partitions or max(1, -(-rows // chunk))
        parts = [run_partition(site, path, group) for group in partitions(len(ids), count)]
        result = merge(parts)
    else:
        rows = _readings.check(path, ids)
        result = _dask(site, path, scheduler, n_partitions, workers)
    document = accounts(site, result)
    document["engine"] = engine
    document["readings"] = rows
    return document


def _embedded_chunked(site: Site, path: str, chunk: int) -> tuple[int, DailyResult]:
    """A large Parquet file in bounded memory: check it row group by row group (keeping only
    each row's point), then evaluate groups of whole points of at most ``chunk`` rows, each
    from the row groups that hold its points (files written point by point, like the store's,
    are read about once in all)."""
    ids = [p.id for p in site.points]
    point_of: list[npt.NDArray[np.int32]] = []
    for _, arrays in _readings.parquet_row_groups(path, ids, strict=True):
        point_of.append(arrays.pidx.astype(np.int32))
    every = np.concatenate(point_of) if point_of else np.zeros(0, np.int32)
    counts = np.bincount(every, minlength=len(ids))
    groups: list[list[int]] = [[]]
    filled = 0
    for index in range(len(ids)):  # in file order of points: neighbours share row groups
        if groups[-1] and filled + int(counts[index]) > chunk:
            groups.append([])
            filled = 0
        groups[-1].append(index)
        filled += int(counts[index])
    parts = []
    for group in groups:
        wanted = np.zeros(len(ids), dtype=bool)
        wanted[group] = True
        holding = {i for i, rows in enumerate(point_of) if wanted[rows].any()}
        pieces = []
        for _, batch in _readings.parquet_row_groups(path, ids, strict=False, only=holding):
            keep = wanted[batch.pidx]
            pieces.append(
                _readings.Arrays(
                    batch.pidx[keep], batch.utc_seconds[keep], batch.values[keep], batch.seq[keep]
                )
            )
        if not pieces:
            pieces.append(
                _readings.Arrays(*(np.zeros(0, np.int64),) * 2, np.zeros(0), np.zeros(0, np.int64))
            )
        arrays = _readings.Arrays(
            np.concatenate([p.pidx for p in pieces]),
            np.concatenate([p.utc_seconds for p in pieces]),
            np.concatenate([p.values for p in pieces]),
            np.concatenate([p.seq for p in pieces]),
        )
        parts.append(run_arrays(site, arrays, group))
    return len(every), merge(parts)


def _dask(
    site: Site, path: str, scheduler: str | None, n_partitions: int | None, workers: int
) -> DailyResult:
    import importlib

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
        groups = partitions(len(site.points), n_partitions or 2 * width)
        futures = client.map(run_partition, [site] * len(groups), [path] * len(groups), groups)
        parts: list[DailyResult] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return merge(parts)
