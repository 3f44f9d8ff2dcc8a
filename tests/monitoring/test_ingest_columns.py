"""The fast ingest path (columnar check, parallel durable write) against the per-item check
and the core's `write_batch`: same readings accepted, same errors, same files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest

from jiliang.monitoring.ingest import BatchRefused, _items, parse
from jiliang.monitoring.ingest_columns import Columns, columns

UTC = dt.UTC


def clean_items() -> list[dict[str, Any]]:
    return [
        {"point": "E-MAIN", "start": "2026-05-01T00:00:00+08:00", "value": 99990},
        {"point": "E-MAIN", "start": "2026-05-01T00:15+08:00", "value": 5.5, "quality": "ok_1"},
        {"point": "GAS", "start": "2026-04-30T16:30:00Z", "value": -0.25, "kind": "interval"},
        {
            "point": "长名",
            "start": "2026-05-01T00:45:00.5-03:30",
            "value": 1e14,
            "kind": "register",
        },
        {"point": "X" * 40, "start": "2024-02-29T00:00:00.123456Z", "value": 0, "quality": ""},
    ]


def as_lists(c: Columns) -> list[list[Any]]:
    return [a.to_pylist() for a in (c.points, c.times, c.values, c.kinds, c.qualities)]


def test_columns_of_a_clean_batch_equal_the_per_item_check() -> None:
    items = clean_items()
    fast = columns(items, orjson.dumps(items))
    assert fast is not None
    errors: list[dict[str, str]] = []
    slow = _items(items, errors)
    assert errors == []
    assert as_lists(fast) == as_lists(slow)
    # by hand: +08:00 → 16:00Z the day before; -03:30 → 04:15:00.5Z; missing kind = register
    assert fast.times.to_pylist()[:4] == [
        dt.datetime(2026, 4, 30, 16, 0, tzinfo=UTC),
        dt.datetime(2026, 4, 30, 16, 15, tzinfo=UTC),
        dt.datetime(2026, 4, 30, 16, 30, tzinfo=UTC),
        dt.datetime(2026, 5, 1, 4, 15, 0, 500000, tzinfo=UTC),
    ]
    assert fast.kinds.to_pylist() == ["register", "register", "interval", "register", "register"]
    assert fast.qualities.to_pylist() == ["", "ok_1", "", "", ""]
    assert fast.values.to_pylist() == [99990.0, 5.5, -0.25, 1e14, 0.0]


@pytest.mark.parametrize(
    ("index", "change", "field"),
    [
        (1, {"kind": None}, "items[1].kind"),  # explicit null is not "absent"
        (2, {"quality": None}, "items[2].quality"),
        (0, {"value": True}, "items[0].value"),
        (3, {"value": 1e15}, "items[3].value"),
        (4, {"value": None}, "items[4].value"),
        (0, {"start": "0000-01-01T00:00Z"}, "items[0].start"),  # year 0: Python refuses
        (1, {"start": "2026-02-30T00:00Z"}, "items[1].start"),
        (2, {"start": "2026-05-01T24:00Z"}, "items[2].start"),
        (3, {"start": "٢٠٢٦-05-01T00:00Z"}, "items[3].start"),  # Arabic-Indic digits
        (4, {"start": "2026-05-01T00:00"}, "items[4].start"),
        (0, {"point": ""}, "items[0].point"),
        (1, {"point": "Y" * 41}, "items[1].point"),
        (2, {"quality": "bad quality"}, "items[2].quality"),
        (3, {"kind": "pulse"}, "items[3].kind"),
        (4, {"extra": 1}, "items[4].extra"),
    ],
)
def test_a_bad_item_leaves_the_decision_to_the_per_item_check(
    index: int, change: dict[str, Any], field: str
) -> None:
    items = clean_items()
    items[index].update(change)
    assert columns(items, orjson.dumps(items)) is None
    with pytest.raises(BatchRefused) as refused:
        parse({"message_id": "m-1", "user": "NM-ALU-01", "items": items})
    assert refused.value.status == 400
    assert refused.value.errors[0]["field"] == field


@pytest.mark.parametrize("item", [None, [1, 2], "text", 7])
def test_an_item_that_is_no_object_is_named(item: Any) -> None:
    items: list[Any] = clean_items()
    items.insert(2, item)
    assert columns(items, orjson.dumps(items)) is None
    with pytest.raises(BatchRefused) as refused:
        parse({"message_id": "m-1", "user": "NM-ALU-01", "items": items})
    assert refused.value.errors[0] == {"field": "items[2]", "reason": "an object"}


def test_an_offset_only_python_reads_is_still_accepted() -> None:
    # "+00:60" is read by Python as +01:00 (Arrow refuses it): the per-item check decides,
    # so the batch is accepted exactly as before the fast path existed.
    items = clean_items()
    items[0]["start"] = "2026-05-01T00:00+00:60"
    assert columns(items, orjson.dumps(items)) is None
    parsed, _ = parse({"message_id": "m-1", "user": "NM-ALU-01", "items": items})
    assert parsed.columns is not None
    assert parsed.columns.times[0].as_py() == dt.datetime(2026, 4, 30, 23, 0, tzinfo=UTC)


def test_a_large_clean_batch_reports_its_first_bad_item_by_index() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    items = [
        {"point": "E-MAIN", "start": (start + dt.timedelta(minutes=15 * i)).isoformat(), "value": i}
        for i in range(10_000)
    ]
    parsed, _ = parse({"message_id": "m-1", "user": "NM-ALU-01", "items": items})
    assert parsed.count == 10_000
    items[9_876]["value"] = "12"
    with pytest.raises(BatchRefused) as refused:
        parse({"message_id": "m-1", "user": "NM-ALU-01", "items": items})
    assert refused.value.errors == [
        {"field": "items[9876].value", "reason": "a finite number below 1e15"}
    ]


def table_of(rows: list[tuple[str, dt.datetime, float]], batch: str) -> pa.Table:
    from jiliang.energy.store import SCHEMA

    received = dt.datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
    n = len(rows)
    return pa.table(
        {
            "user": ["NM-ALU-01"] * n,
            "point": [r[0] for r in rows],
            "time": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "kind": ["register"] * n,
            "quality": [""] * n,
            "source": ["api"] * n,
            "batch": [batch] * n,
            "received": [received] * n,
        },
        schema=SCHEMA,
    )


def test_parallel_writer_makes_the_files_of_the_core_store(tmp_path: Path) -> None:
    from jiliang.energy.store import bucket_of, scan, write_batch
    from jiliang.monitoring.ingest_write import write_table

    # out of time order, across three China days: 15:59:59Z is 23:59:59 CST of 30 April,
    # 16:00Z is 00:00 CST of 1 May
    rows = [
        ("E-MAIN", dt.datetime(2026, 5, 1, 16, 0, tzinfo=UTC), 3.0),
        ("E-MAIN", dt.datetime(2026, 4, 30, 15, 59, 59, tzinfo=UTC), 1.0),
        ("GAS", dt.datetime(2026, 4, 30, 16, 0, tzinfo=UTC), 2.0),
        ("E-MAIN", dt.datetime(2026, 4, 30, 16, 15, tzinfo=UTC), 2.5),
    ]
    core, fast = tmp_path / "core", tmp_path / "fast"
    core_files = write_batch(core, table_of(rows, "b-1"), "b-1")
    fast_files = write_table(fast, table_of(rows, "b-1"), "b-1")
    bucket = f"bucket={bucket_of('NM-ALU-01'):02d}"
    assert [f.relative_to(fast) for f in fast_files] == [f.relative_to(core) for f in core_files]
    assert [f.parent.parent.name for f in fast_files] == [
        "day=2026-04-30",
        "day=2026-05-01",
        "day=2026-05-02",
    ]
    assert {f.parent.name for f in fast_files} == {bucket}
    assert scan(fast, dedupe=False).order("time").fetchall() == (
        scan(core, dedupe=False).order("time").fetchall()
    )
    # the same batch again replaces its files: still four readings, no temp files left
    write_table(fast, table_of(rows, "b-1"), "b-1")
    assert len(scan(fast, dedupe=False).fetchall()) == 4
    assert not [p for p in fast.rglob("*") if p.name.startswith(".")]


def test_parallel_writer_keeps_one_user_per_batch(tmp_path: Path) -> None:
    from jiliang.monitoring.ingest_write import write_table

    table = table_of([("E-MAIN", dt.datetime(2026, 5, 1, tzinfo=UTC), 1.0)] * 2, "b")
    table = table.set_column(0, "user", pa.array(["A", "B"]))
    with pytest.raises(ValueError, match="one energy user"):
        write_table(tmp_path, table, "b")
    assert not list(tmp_path.rglob("*.parquet"))
