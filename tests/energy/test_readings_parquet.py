"""A Parquet READINGS file is checked in full before any evaluation: the first bad row of the
first kind (unknown point, then missing time, then a value that is not a finite number)
is named, and nothing is evaluated. Times are rounded down to the second, also before 1970.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiliang.energy import _readings
from jiliang.energy._errors import ReadingsError

UTC = dt.UTC


def _write(path: Path, points: list[str | None], times: list[dt.datetime | None],
           values: list[float | None]) -> Path:  # fmt: skip
    table = pa.table(
        {
            "point": pa.array(points, type=pa.string()),
            "time": pa.array(times, type=pa.timestamp("us", tz="UTC")),
            "value": pa.array(values, type=pa.float64()),
        }
    )
    pq.write_table(table, path)
    return path


T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)


def _ok(n: int) -> tuple[list[str | None], list[dt.datetime | None], list[float | None]]:
    return ["A"] * n, [T0 + dt.timedelta(minutes=15 * k) for k in range(n)], [1.0] * n


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"point": (4, "Z")}, "r.parquet: row 5: point 'Z' is not a point of SITE.yaml"),
        ({"point": (2, None)}, "r.parquet: row 3: point is empty"),
        ({"time": (6, None)}, "r.parquet: row 7: time is empty"),
        ({"value": (1, None)}, "r.parquet: row 2: value None is not a number"),
        ({"value": (3, float("nan"))}, "r.parquet: row 4: value nan is not a number"),
        ({"value": (3, float("inf"))}, "r.parquet: row 4: value inf is not a number"),
        # points are checked first, then times, then values, whatever the rows' order
        ({"value": (0, None), "time": (1, None), "point": (7, "Z")}, "row 8: point 'Z'"),
        ({"value": (0, None), "time": (5, None)}, "row 6: time is empty"),
    ],
)
def test_the_first_bad_row_of_the_first_kind_is_named(
    tmp_path: Path, bad: dict[str, tuple[int, object]], message: str
) -> None:
    points, times, values = _ok(10)
    columns = {"point": points, "time": times, "value": values}
    for column, (row, value) in bad.items():
        columns[column][row] = value  # type: ignore[index]
    path = _write(tmp_path / "r.parquet", points, times, values)
    # the whole-file read and the check that keeps only each row's point (large files)
    for check in (_readings.checked_parquet, _readings.parquet_points):
        with pytest.raises(ReadingsError) as caught:
            check(path, ["A", "B"])
        assert message in str(caught.value)


def test_a_file_with_more_rows_than_the_bound_is_refused_from_its_footer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "r.parquet", *_ok(10))
    monkeypatch.setattr(_readings, "MAX_READINGS", 9)
    with pytest.raises(ReadingsError, match=r"r.parquet: 10 rows; at most 9"):
        _readings.checked_parquet(path, ["A"])


def test_times_are_rounded_down_to_the_second_also_before_1970(tmp_path: Path) -> None:
    times: list[dt.datetime | None] = [
        dt.datetime(2026, 3, 1, 0, 0, 0, 999_999, tzinfo=UTC),  # 1772323200.999999
        dt.datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),  # -0.5 s -> -1
        dt.datetime(1970, 1, 1, tzinfo=UTC),
    ]
    path = _write(tmp_path / "r.parquet", ["B", "A", "B"], times, [1.5, 2.5, 3.5])
    arrays = _readings.checked_parquet(path, ["A", "B"])
    assert arrays.pidx.tolist() == [1, 0, 1]
    assert arrays.utc_seconds.tolist() == [1_772_323_200, -1, 0]
    assert arrays.values.tolist() == [1.5, 2.5, 3.5]
    assert arrays.seq.tolist() == [0, 1, 2]
