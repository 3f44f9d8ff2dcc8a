"""The store's inbox: a batch of many China days is one file, read with the day partitions as
one relation, moved into them by `compact`; resends and interrupted compactions count once."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import zlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from jiliang.energy import StoreError, store

CST = dt.timezone(dt.timedelta(hours=8))
DAYS = 104  # one meter's 15-minute readings of 10^4 items: 104 China days
BUCKET = zlib.crc32(b"U1") % 16


def meter(days: int, first: dt.datetime, *, user: str = "U1", value0: float = 0.0) -> list[Any]:
    """96 quarter hours a day of one meter, from `first` on."""
    return [
        {
            "user": user,
            "point": "P1",
            "time": first + dt.timedelta(minutes=15 * i),
            "value": value0 + i,
            "kind": "register",
        }
        for i in range(96 * days)
    ]


START = dt.datetime(2026, 1, 1, tzinfo=CST)
RECEIVED = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def rows_of(root: Path, **kwargs: Any) -> list[tuple[Any, ...]]:
    return store.scan(root, **kwargs).order("user, point, time, batch").fetchall()


def parquet_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))


def test_a_batch_of_104_days_is_one_inbox_file(tmp_path: Path) -> None:
    files = store.write_batch(tmp_path, meter(DAYS, START), "m-1", received=RECEIVED)
    name = store.batch_file_name("m-1")
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        f"inbox/bucket={BUCKET:02d}/{name}"
    ]
    assert parquet_files(tmp_path) == [f"inbox/bucket={BUCKET:02d}/{name}"]
    assert store.has_readings(tmp_path)
    rows = rows_of(tmp_path)
    assert len(rows) == 96 * DAYS == 9984
    # day from the time in China time, bucket from the path: 00:00+08:00 on 1 January is
    # 16:00 UTC on 31 December, reporting day 1 January; the last reading, 23:45+08:00 on
    # day 104 (14 April), stays on 14 April
    first, last = rows[0], rows[-1]
    assert first[2] == dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC)
    assert (first[9], first[10]) == (BUCKET, dt.date(2026, 1, 1))
    assert last[2] == dt.datetime(2026, 4, 14, 15, 45, tzinfo=dt.UTC)
    assert (last[9], last[10]) == (BUCKET, dt.date(2026, 4, 14))
    assert last[3] == 9983.0


def test_the_threshold_is_the_number_of_china_days(tmp_path: Path) -> None:
    n = store.INBOX_DAYS
    few = store.write_batch(tmp_path / "few", meter(n, START), "m-1")
    assert len(few) == n and all(f.parent.parent.name.startswith("day=") for f in few)
    # one reading more crosses into day n + 1: now the batch goes to the inbox
    more = [
        *meter(n, START),
        {
            "user": "U1",
            "point": "P1",
            "time": START + dt.timedelta(days=n),
            "value": 1.0,
            "kind": "register",
        },
    ]
    files = store.write_batch(tmp_path / "more", more, "m-1")
    assert [f.parent.parent.name for f in files] == ["inbox"]


def test_scan_after_compaction_equals_scan_before_row_by_row(tmp_path: Path) -> None:
    store.write_batch(tmp_path, meter(DAYS, START), "m-1", received=RECEIVED)
    before = rows_of(tmp_path, dedupe=False)
    old = time.time() - 7200
    inbox = store.inbox_file(tmp_path, BUCKET, store.batch_file_name("m-1"))
    os.utime(inbox, (old, old))
    assert store.compact(tmp_path, older_than=3600) != []
    after = rows_of(tmp_path, dedupe=False)
    assert after == before and len(after) == 9984
    assert rows_of(tmp_path) == before
    name = store.batch_file_name("m-1")
    files = parquet_files(tmp_path)
    assert len(files) == DAYS and not (tmp_path / "inbox" / f"bucket={BUCKET:02d}" / name).exists()
    assert files[0] == f"day=2026-01-01/bucket={BUCKET:02d}/{name}"
    assert files[-1] == f"day=2026-04-14/bucket={BUCKET:02d}/{name}"
    # the names write_batch gives: the same batch as few-day batches, day by day
    assert store.compact(tmp_path) == []


def test_compact_reports_and_leaves_young_files(tmp_path: Path) -> None:
    store.write_batch(tmp_path, meter(10, START), "m-1")
    assert store.compact(tmp_path, older_than=3600) == []  # written just now
    assert parquet_files(tmp_path)[0].startswith("inbox/")
    seen: list[store.Compacted] = []
    moved = store.compact(tmp_path, on_file=seen.append)
    assert seen == moved and len(moved) == 1
    assert moved[0].rows == 960 and len(moved[0].day_files) == 10
    assert moved[0].day_files[0] == store.day_file(
        tmp_path, "2026-01-01", BUCKET, store.batch_file_name("m-1")
    )


def test_resend_stores_nothing_twice_before_and_after_compaction(tmp_path: Path) -> None:
    store.write_batch(tmp_path, meter(DAYS, START), "m-1", received=RECEIVED)
    later = RECEIVED + dt.timedelta(hours=1)
    store.write_batch(tmp_path, meter(DAYS, START), "m-1", received=later)
    assert len(parquet_files(tmp_path)) == 1
    assert len(rows_of(tmp_path, dedupe=False)) == 9984
    store.compact(tmp_path)
    # after compaction a resend replaces the day files, it does not go to the inbox again
    files = store.write_batch(tmp_path, meter(DAYS, START), "m-1", received=later)
    assert len(files) == DAYS and not list((tmp_path / "inbox").rglob("*.parquet"))
    rows = rows_of(tmp_path, dedupe=False)
    assert len(rows) == 9984 and {r[8] for r in rows} == {later}


def test_a_few_day_resend_of_an_inbox_batch_replaces_the_inbox_copy(tmp_path: Path) -> None:
    store.write_batch(tmp_path, meter(DAYS, START), "m-1", received=RECEIVED)
    files = store.write_batch(tmp_path, meter(1, START, value0=5.0), "m-1")
    assert len(files) == 1 and parquet_files(tmp_path) == [
        f"day=2026-01-01/bucket={BUCKET:02d}/{store.batch_file_name('m-1')}"
    ]
    assert [r[3] for r in rows_of(tmp_path, dedupe=False)][:2] == [5.0, 6.0]


def crash_before_unlink(root: Path, batch: str) -> Path:
    """The state a kill -9 leaves between a compaction's day files and its unlink: both."""
    inbox = store.inbox_file(root, BUCKET, store.batch_file_name(batch))
    kept = root.parent / "kept.parquet"
    shutil.copy2(inbox, kept)
    store.compact(root)
    shutil.copy2(kept, inbox)
    return inbox


def test_crash_between_day_files_and_unlink_counts_once(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store.write_batch(root, meter(DAYS, START), "m-1", received=RECEIVED)
    expected = rows_of(root)
    inbox = crash_before_unlink(root, "m-1")
    assert inbox.exists() and len(parquet_files(root)) == DAYS + 1  # both copies on disk
    assert rows_of(root) == expected
    assert rows_of(root, dedupe=False) == expected  # the inbox copy of a row is dropped
    assert store.scan(root).aggregate("sum(value)").fetchall() == [(sum(range(9984)),)]
    # the next compaction finishes the job: same day files rewritten, inbox file gone
    store.compact(root)
    assert not inbox.exists() and len(parquet_files(root)) == DAYS
    assert rows_of(root, dedupe=False) == expected


def test_crash_while_writing_day_files_counts_once(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store.write_batch(root, meter(DAYS, START), "m-1", received=RECEIVED)
    expected = rows_of(root, dedupe=False)
    crash_before_unlink(root, "m-1")
    # only the first 40 day files made it before the crash
    name = store.batch_file_name("m-1")
    for day in range(40, DAYS):
        (
            root / f"day={(START + dt.timedelta(days=day)).date()}" / f"bucket={BUCKET:02d}" / name
        ).unlink()
    assert len(parquet_files(root)) == 41
    assert rows_of(root, dedupe=False) == expected
    assert rows_of(root) == expected
    store.compact(root)
    assert len(parquet_files(root)) == DAYS and rows_of(root, dedupe=False) == expected


def test_inbox_and_day_partitions_read_as_one_relation(tmp_path: Path) -> None:
    early = RECEIVED
    # U1: 10 days in the inbox; a correction of its first reading in a day file
    store.write_batch(tmp_path, meter(10, START), "m-1", received=early)
    fix = [{"user": "U1", "point": "P1", "time": START, "value": 99.0, "kind": "register"}]
    store.write_batch(tmp_path, fix, "m-2", received=early + dt.timedelta(hours=1))
    # U2 (another bucket): 10 days in the inbox
    assert zlib.crc32(b"U2") % 16 != BUCKET
    store.write_batch(tmp_path, meter(10, START, user="U2"), "m-3", received=early)
    assert len(rows_of(tmp_path, dedupe=False)) == 960 + 1 + 960
    assert len(rows_of(tmp_path)) == 1920
    first = store.scan(tmp_path, users=["U1"]).order("time").limit(1).fetchall()[0]
    assert (first[3], first[7]) == (99.0, "m-2")
    # users prune by bucket; the range keeps 2 January 00:00 to 3 January 00:00 (CST)
    day2 = store.scan(
        tmp_path,
        users=["U2"],
        start=START + dt.timedelta(days=1),
        end=START + dt.timedelta(days=2),
    ).fetchall()
    assert len(day2) == 96 and {r[0] for r in day2} == {"U2"}
    assert {r[10] for r in day2} == {dt.date(2026, 1, 2)}
    assert {r[3] for r in day2} == {float(v) for v in range(96, 192)}
    assert store.scan(tmp_path, points=["nope"]).fetchall() == []
    # the columns of the day layout's reader, in its order
    columns = [*store.COLUMNS, "bucket", "day"]
    assert store.scan(tmp_path).columns == columns
    store.compact(tmp_path)
    assert store.scan(tmp_path).columns == columns


def test_compact_refuses_bad_input_and_a_broken_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="seconds >= 0"):
        store.compact(tmp_path, older_than=-1)
    store.write_batch(tmp_path, meter(10, START), "m-1")
    broken = tmp_path / "inbox" / "bucket=00" / "b-broken.parquet"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"not parquet")
    with pytest.raises(StoreError, match=r"b-broken\.parquet: not a readable file"):
        store.compact(tmp_path)
    # the broken file stays; the good one was moved all the same
    assert broken.exists()
    assert sum(1 for f in parquet_files(tmp_path) if f.startswith("day=")) == 10
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        store.compact(tmp_path / "file")
    assert store.compact(tmp_path / "none") == []


def test_the_fast_writer_uses_the_same_inbox(tmp_path: Path) -> None:
    from jiliang.monitoring.ingest_write import write_table

    table = store.rows_to_table(meter(DAYS, START), "m-1", RECEIVED)
    core = store.write_batch(tmp_path / "core", table, "m-1")
    fast = write_table(tmp_path / "fast", table, "m-1")
    assert [f.relative_to(tmp_path / "fast") for f in fast] == [
        f.relative_to(tmp_path / "core") for f in core
    ]
    assert rows_of(tmp_path / "fast", dedupe=False) == rows_of(tmp_path / "core", dedupe=False)
    # out of time order: still one file, rows in time order
    shuffled = table.take(pa.array(list(range(9983, -1, -1))))
    write_table(tmp_path / "fast", shuffled, "m-1")
    assert len(parquet_files(tmp_path / "fast")) == 1
    assert rows_of(tmp_path / "fast", dedupe=False) == rows_of(tmp_path / "core", dedupe=False)
    # compacted, a resend through the fast writer replaces the day files
    store.compact(tmp_path / "fast")
    assert len(write_table(tmp_path / "fast", table, "m-1")) == DAYS
    files = parquet_files(tmp_path / "fast")
    assert len(files) == DAYS and all(f.startswith("day=") for f in files)
    assert len(rows_of(tmp_path / "fast", dedupe=False)) == 9984


def test_pruned_reads_of_a_compacted_store_equal_the_filtered_whole(tmp_path: Path) -> None:
    store.write_batch(tmp_path, meter(10, START), "m-1", received=RECEIVED)
    store.write_batch(tmp_path, meter(10, START, user="U2"), "m-2", received=RECEIVED)
    store.compact(tmp_path)
    assert len(parquet_files(tmp_path)) == 20
    whole = rows_of(tmp_path)
    low, high = START + dt.timedelta(days=3, hours=5), START + dt.timedelta(days=6)
    for users in (["U1"], ["U2"], ["U1", "U2"], None):
        got = rows_of(tmp_path, users=users, start=low, end=high)
        wanted = [r for r in whole if (users is None or r[0] in users) and low <= r[2] < high]
        # 3 days minus 5 hours of quarter hours per user: 72 - 5 = 67 hours x 4
        assert got == wanted and len(got) == 268 * (2 if users in (None, ["U1", "U2"]) else 1)
    # a range with no day directory in it reads nothing
    empty = store.scan(
        tmp_path, start=START + dt.timedelta(days=50), end=START + dt.timedelta(days=51)
    )
    assert empty.fetchall() == []
