"""The embedded engine evaluates a Parquet file while DuckDB reads it (``streamed``).

A file written point by point is cut into slices of whole points as its blocks arrive
(DuckDB hands over ~10^5 rows at a time, so a point's rows may straddle two blocks); any
other order is evaluated once read. Either way every figure equals the evaluation of the
whole file in one piece, and a bad row anywhere is refused as ``checked_parquet`` names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from jiliang.energy import _readings
from jiliang.energy._accounts import accounts
from jiliang.energy._engine import evaluate, streamed
from jiliang.energy._errors import ReadingsError
from jiliang.energy._site import load_site
from jiliang.energy._vee import DailyResult, evaluate_partition, run

DAYS = 40
START = 1_772_294_400  # 2026-03-01T00:00:00+08:00


def _files(tmp: Path, order: str, points: int = 81) -> tuple[Any, Path]:
    """``points`` points (registers and intervals) of 40 days of 15-minute data, with gaps,
    late duplicates and off-grid times; the last point has no reading at all."""
    rng = np.random.default_rng(7)
    site: dict[str, Any] = {
        "site": "streamed",
        "period": {"from": "2026-03-01", "to": "2026-04-09"},
        "coefficients": {"edition": "GB/T 2589-2020", "electricity": "calorific"},
        "points": [],
    }
    parts = []
    for i in range(points):
        register = i % 2 == 0
        site["points"].append(
            {"id": f"P{i:02d}", "variety": "electricity", "unit": "kWh",
             "kind": "register" if register else "interval"}
        )  # fmt: skip
        if i == points - 1:
            continue
        n = DAYS * 96
        times = START + np.arange(n) * 900 + rng.choice([0, 0, 0, 20, -40], n)
        steps = rng.uniform(0.5, 3.0, n)
        values = np.cumsum(steps) if register else steps
        keep = rng.random(n) > 0.03
        late = rng.random(n) < 0.004  # resent at the end of the point's rows, some changed
        times = np.concatenate([times[keep], times[late]])
        values = np.concatenate([values[keep], values[late] + (rng.random(late.sum()) < 0.5)])
        parts.append((np.full(len(times), i), times, values))
    point = np.concatenate([p for p, _, _ in parts])
    times = np.concatenate([t for _, t, _ in parts])
    values = np.concatenate([v for _, _, v in parts])
    if order == "time":
        by_time = np.argsort(times, kind="stable")
        point, times, values = point[by_time], times[by_time], values[by_time]
    table = pa.table(
        {
            "point": pa.array([f"P{k:02d}" for k in point]),
            "time": pa.array(times * 1_000_000, type=pa.timestamp("us", tz="UTC")),
            "value": pa.array(values),
        }
    )
    path = tmp / "r.parquet"
    pq.write_table(table, path, row_group_size=50_000)
    return load_site(yaml.safe_dump(site)), path


def _whole(site: Any, path: Path) -> DailyResult:
    arrays = _readings.checked_parquet(path, [p.id for p in site.points])
    return evaluate_partition(site, arrays.pidx, arrays.utc_seconds, arrays.values, arrays.seq)


@pytest.mark.parametrize("rows", [1_000, 20_000, 10_000_000])
def test_every_figure_equals_the_evaluation_in_one_piece(tmp_path: Path, rows: int) -> None:
    site, path = _files(tmp_path, "point")
    done = streamed(site, str(path), rows=rows)
    assert done is not None
    total, result = done
    assert total == pq.ParquetFile(path).metadata.num_rows > 2 * 122_880  # several blocks
    whole = _whole(site, path)
    for name in DailyResult.__dataclass_fields__:
        assert np.array_equal(getattr(result, name), getattr(whole, name)), name
    # the point without readings has its days, all no_data
    assert (result.valid[result.point == len(site.points) - 1] == 0).all()
    assert len(result.point) == len(site.points) * DAYS


@pytest.mark.parametrize("order", ["point", "time"])
def test_the_engine_gives_the_one_piece_document_in_either_order(
    tmp_path: Path, order: str
) -> None:
    # rows of points interleaved are not streamed (None): evaluate() reads the file whole
    site, path = _files(tmp_path, order)
    assert (streamed(site, str(path)) is None) == (order == "time")
    document = evaluate(site, path)
    assert document.pop("engine") == "embedded"
    assert document.pop("readings") == pq.ParquetFile(path).metadata.num_rows
    assert document == accounts(site, _whole(site, path))


def test_a_bad_row_in_a_later_block_is_named_like_the_whole_file_check(tmp_path: Path) -> None:
    site, path = _files(tmp_path, "point")
    table = pq.read_table(path)
    points = table.column("point").to_pylist()
    times = table.column("time").to_pylist()
    times[7] = None  # a missing time early on ...
    points[250_000] = "NOPE"  # ... and an unknown point in a later block: points come first
    bad = table.set_column(0, "point", pa.array(points)).set_column(
        1, "time", pa.array(times, type=pa.timestamp("us", tz="UTC"))
    )
    pq.write_table(bad, path, row_group_size=50_000)
    expected = "r.parquet: row 250001: point 'NOPE' is not a point of SITE.yaml"
    with pytest.raises(ReadingsError, match=expected):
        _readings.checked_parquet(path, [p.id for p in site.points])
    assert streamed(site, str(path), rows=20_000) is None
    with pytest.raises(ReadingsError, match=expected):
        evaluate(site, path)


def test_the_validated_series_path_gives_the_same_daily_figures(tmp_path: Path) -> None:
    # steps 1-2 have a compiled path (daily figures) and a numpy path that also keeps each
    # value's flags and raw value (the validated series): both must give the same days
    site, path = _files(tmp_path, "point", points=9)
    arrays = _readings.checked_parquet(path, [p.id for p in site.points])
    args = (site, arrays.pidx, arrays.utc_seconds, arrays.values, arrays.seq)
    plain, with_detail = run(*args)[0], run(*args, detail=True)[0]
    assert int((plain.flags & 0b1111).astype(bool).sum()) > 0  # snapped/off-grid/duplicates
    for name in DailyResult.__dataclass_fields__:
        assert np.array_equal(getattr(plain, name), getattr(with_detail, name)), name
