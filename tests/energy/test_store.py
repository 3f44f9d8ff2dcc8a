"""The readings store: layout, durable idempotent writes, pruning and the dedupe rule."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path

import pytest

from jiliang.energy import StoreError, store

CST = dt.timezone(dt.timedelta(hours=8))


def _rows(value: float = 1.5) -> list[dict[str, object]]:
    return [
        {
            "user": "U1",
            "point": "P1",
            "time": "2026-01-01T23:45:00+08:00",
            "value": value,
            "kind": "register",
        },
        {
            "user": "U1",
            "point": "P1",
            "time": "2026-01-02T00:00:00+08:00",
            "value": 2.5,
            "kind": "register",
            "quality": "ok",
            "source": "mqtt",
        },
    ]


def test_layout_day_in_china_time_and_stable_bucket(tmp_path: Path) -> None:
    files = store.write_batch(tmp_path, _rows(), "msg-1")
    # 23:45+08:00 on 1 January is 15:45 UTC the same day; 00:00+08:00 on 2 January is
    # 16:00 UTC on 1 January but reporting day 2 January (China time).
    bucket = zlib.crc32(b"U1") % 16
    name = store.batch_file_name("msg-1")
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        f"day=2026-01-01/bucket={bucket:02d}/{name}",
        f"day=2026-01-02/bucket={bucket:02d}/{name}",
    ]
    assert not list(tmp_path.rglob("*.tmp"))


def test_same_batch_twice_replaces(tmp_path: Path) -> None:
    store.write_batch(tmp_path, _rows(), "msg-1")
    store.write_batch(tmp_path, _rows(), "msg-1")
    assert len(list(tmp_path.rglob("*.parquet"))) == 2
    assert len(store.scan(tmp_path, dedupe=False).fetchall()) == 2


def test_dedupe_keeps_latest_received(tmp_path: Path) -> None:
    early = dt.datetime(2026, 1, 3, tzinfo=dt.UTC)
    store.write_batch(tmp_path, _rows(1.5), "msg-1", received=early)
    store.write_batch(tmp_path, _rows(9.0)[:1], "msg-2", received=early + dt.timedelta(hours=1))
    rows = store.scan(tmp_path).order("time").fetchall()
    assert [(r[3], r[7]) for r in rows] == [(9.0, "msg-2"), (2.5, "msg-1")]
    assert len(store.scan(tmp_path, dedupe=False).fetchall()) == 3


def test_filters_prune(tmp_path: Path) -> None:
    store.write_batch(tmp_path, _rows(), "msg-1")
    other = [
        {
            "user": "U2",
            "point": "Q",
            "time": "2026-01-02T08:00:00+08:00",
            "value": 3.0,
            "kind": "interval",
        }
    ]
    store.write_batch(tmp_path, other, "msg-2")
    start = dt.datetime(2026, 1, 2, tzinfo=CST)
    got = store.scan(tmp_path, users=["U1"], start=start).fetchall()
    assert [(r[0], r[3]) for r in got] == [("U1", 2.5)]
    assert store.scan(tmp_path, points=["Q"]).fetchall()[0][3] == 3.0
    assert store.scan(tmp_path, users=["nobody"]).fetchall() == []
    end = dt.datetime(2026, 1, 2, tzinfo=CST)
    assert [r[3] for r in store.scan(tmp_path, end=end).fetchall()] == [1.5]
    assert store.scan(tmp_path / "empty").fetchall() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time": "2026-01-01T10:00:00"}, "row 1: time 2026-01-01T10:00:00 has no UTC offset"),
        ({"time": "yesterday"}, "row 1: time 'yesterday' is not an ISO 8601 timestamp"),
        ({"value": float("nan")}, "row 1: value nan is not finite"),
        ({"value": "3"}, "row 1: value must be a number"),
        ({"kind": "pulse"}, "row 1: kind 'pulse' is not one of register, interval"),
        ({"source": "fax"}, "row 1: source 'fax' is not one of api, mqtt, manual, estimate"),
        ({"point": ""}, "row 1: point must be a non-empty text"),
    ],
)
def test_bad_row_refused_nothing_written(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    rows = _rows()
    rows[1].update(change)
    with pytest.raises(StoreError) as caught:
        store.write_batch(tmp_path, rows, "msg-1")
    assert str(caught.value) == message
    assert not list(tmp_path.rglob("*.parquet"))


def test_exported_names_and_no_django() -> None:
    import subprocess
    import sys

    import jiliang.energy as energy

    assert sorted(energy.__all__) == sorted(
        ["ENGINES", "FLAGS", "SERIES_SCHEMA", "DailyResult", "DataError", "EnergyError",
         "Factor", "LegalInterval", "Point", "ReadingsError", "Replacement", "Site",
         "SiteError", "StoreError", "accounts", "bucket_of", "co2_monte_carlo", "evaluate",
         "evaluate_partition", "flag_names", "load_site", "parse_site", "scan",
         "tce_coefficient", "validated_series", "varieties", "warm_up", "write_batch",
         "write_series"]
    )  # fmt: skip
    # neither Django nor numba (0.4-1.5 s to import: loaded on the first evaluation only)
    code = (
        "import sys, jiliang.energy, jiliang.energy.store;"
        " print('django' in sys.modules, 'numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
