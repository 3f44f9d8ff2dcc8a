"""The embedded and Dask engines give the same numbers on the same files.

The Dask run is a real LocalCluster with two separate worker processes; each worker reads
its points' rows from the file itself.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jiliang.energy import _readings
from jiliang.energy._engine import evaluate, file_groups, sliced
from jiliang.energy._site import load_site
from jiliang.energy._vee import DailyResult, evaluate_partition

from .helpers import CST, site


def _dataset(tmp: Path) -> tuple[Path, Path, Path]:
    """12 points over 3 days, 15-min data, with gaps, duplicates, a rollover, a replacement."""
    rng = random.Random(14)
    points: list[dict[str, Any]] = []
    rows: list[tuple[str, dt.datetime, float]] = []
    start = dt.datetime(2026, 3, 1, tzinfo=CST)
    for i in range(12):
        register = i % 2 == 0
        pid = f"P{i:02d}"
        point: dict[str, Any] = {
            "id": pid,
            "variety": "electricity" if i % 3 else "natural_gas",
            "kind": "register" if register else "interval",
            "unit": "kWh" if i % 3 else "m3",
            "interval_minutes": 15,
            "accuracy_class": 0.5 + (i % 3) * 0.5,
        }
        value = 99_800.0 if i == 0 else 1_000.0 * i
        if i == 0:
            point["rollover"] = 99999.9
        if i == 4:
            point["replacements"] = [
                {"time": "2026-03-02T10:07:00+08:00", "old_final": 0.0, "new_initial": 0.0}
            ]
        if i == 2:
            point["legal"] = [{"from": "2026-03-02T00:00:00+08:00", "state": "overdue"}]
        points.append(point)
        for k in range(3 * 96 + 1):
            when = start + dt.timedelta(minutes=15 * k)
            step = rng.uniform(0.5, 3.0)
            if register:
                value += step
                if i == 0 and value > 99999.9:
                    value -= 100000.0
                if i == 4 and k == 137:  # new meter from 10:15 on day 2
                    value = 0.0 + step
                shown = round(value, 1)
            else:
                shown = round(step, 3)
            if rng.random() < 0.03:
                continue  # gap
            jitter = dt.timedelta(seconds=rng.choice([0, 0, 0, 20, -30, 150]))
            rows.append((pid, when + jitter, shown))
            if rng.random() < 0.01:
                rows.append((pid, when, shown))  # duplicate
    points[4]["replacements"][0]["old_final"] = 0.0
    site_path = site(
        tmp,
        points,
        to="2026-03-03",
        factors={"electricity": "grid-2022-ets", "natural_gas": "fuel-default-natural-gas"},
    )
    site_path.write_text(site_path.read_text("utf-8").replace("2026-01-01", "2026-03-01"), "utf-8")
    csv = tmp / "r.csv"
    csv.write_text(
        "point,time,value\n" + "".join(f"{p},{t.isoformat()},{v!r}\n" for p, t, v in rows),
        "utf-8",
    )
    table = pa.table(
        {
            "point": [r[0] for r in rows],
            "time": pa.array([r[1] for r in rows], type=pa.timestamp("us", tz="UTC")),
            "value": [r[2] for r in rows],
        }
    )
    parquet = tmp / "r.parquet"
    pq.write_table(table, parquet, row_group_size=500)  # several row groups
    return site_path, csv, parquet


def _strip(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "engine"}


def test_embedded_and_dask_agree_on_every_number(tmp_path: Path) -> None:
    site_path, csv, parquet = _dataset(tmp_path)
    site_ = load_site(site_path.read_text("utf-8"))
    embedded = evaluate(site_, csv)
    split = evaluate(site_, csv, n_partitions=5)
    from_parquet = evaluate(site_, parquet)
    # a "large" file: checked batch by batch, then point groups of at most 2,000 rows
    chunked = evaluate(site_, parquet, chunk_rows=2_000)
    dask = evaluate(site_, parquet, engine="dask", n_partitions=4)
    assert _strip(embedded) == _strip(split) == _strip(from_parquet) == _strip(dask)
    assert _strip(chunked) == _strip(embedded)
    assert dask["engine"] == "dask"
    flags = set(embedded["flags"])
    assert {"rollover", "meter_replaced", "duplicate", "time_snapped", "time_off_grid"} <= flags
    assert {"meter_not_verified", "estimated"} <= flags
    assert math.isfinite(embedded["totals"]["co2"]["value"]) and embedded["totals"]["tce"] > 0


def test_partitions_read_only_their_own_rows(tmp_path: Path) -> None:
    # The file holds the 12 points one after the other (rows of P00 first, ...). Cut into 4
    # groups of whole points contiguous in the file, each group's row ranges cover exactly its
    # points' rows: every row is read by one partition only, and a worker gets no other rows.
    site_path, _, parquet = _dataset(tmp_path)
    site_ = load_site(site_path.read_text("utf-8"))
    ids = [p.id for p in site_.points]
    points = _readings.parquet_points(parquet, ids)
    groups = file_groups(points, len(ids), count=4)
    assert sorted(i for g in groups for i in g) == list(range(12)) and len(groups) == 4
    covered = 0
    for group in groups:
        ranges = _readings.row_ranges(points, group, len(ids))
        assert len(ranges) == 1  # contiguous points: one run of rows
        arrays = _readings.read_ranges(parquet, ids, ranges, group)
        assert sorted(set(arrays.pidx.tolist())) == sorted(group)
        assert len(arrays.pidx) == sum(int((points == i).sum()) for i in group)
        covered += sum(b - a + 1 for a, b in ranges)
    assert covered == len(points)


def test_slices_of_points_give_the_same_arrays(tmp_path: Path) -> None:
    # The in-memory evaluation cuts a file written point by point into slices of whole
    # points; slices of ~500 rows (several points each) give exactly the one-piece figures.
    site_path, _, parquet = _dataset(tmp_path)
    site_ = load_site(site_path.read_text("utf-8"))
    arrays = _readings.checked_parquet(parquet, [p.id for p in site_.points])
    whole = evaluate_partition(site_, arrays.pidx, arrays.utc_seconds, arrays.values, arrays.seq)
    pieces = sliced(site_, arrays, rows=500)
    for name in DailyResult.__dataclass_fields__:
        assert np.array_equal(getattr(whole, name), getattr(pieces, name)), name
