"""Durable write of one checked batch into the core's Parquet layout, fsyncs in parallel.

The layout and its rules are the core's (`jiliang.energy.store`: ``day=YYYY-MM-DD`` of the
China day, ``bucket=NN`` of the user, file name from the batch id, temp file → fsync →
``os.replace`` → directory fsync; new directories fsync-ed into their parent). What differs
from `jiliang.energy.store.write_batch` is only how fast that happens for a batch that spans
many days (a 10^4-reading batch of one meter's 15-minute data covers 104 days = 104 files):

- the partition of each row is computed on the Arrow columns (one user per batch, so one
  bucket), not per row in Python;
- the files are written and fsync-ed by a small thread pool (fsync releases the GIL, and
  ext4 commits concurrent fsyncs together), each followed by the fsync of its directory,
  while the day directories and the root are fsync-ed alongside. Nothing returns before
  every file and directory fsync has returned, so the acknowledgement still means durable;
- a batch spanning more than ``INBOX_DAYS`` China days is one file in the store's inbox
  (``inbox/bucket=NN``, same name, same discipline), moved into the day partitions later by
  `jiliang.energy.store.compact` - the core's rule (``goes_to_inbox``), so both writers
  give the same files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jiliang.energy.store import (
    SCHEMA,
    batch_file_name,
    bucket_of,
    day_file,
    drop_inbox_copy,
    goes_to_inbox,
    inbox_file,
)

_DAY_US = 86_400_000_000
_CST_US = 8 * 3_600_000_000  # China Standard Time, UTC+08:00, no summer time since 1991
_POOLS: dict[int, ThreadPoolExecutor] = {}
_EPOCH = dt.date(1970, 1, 1)
SMALL_FILE_ROWS = 2048


def _pool() -> ThreadPoolExecutor:
    """This process's pool (made on first use, so a forked server worker gets its own)."""
    pool = _POOLS.get(os.getpid())
    if pool is None:
        pool = _POOLS[os.getpid()] = ThreadPoolExecutor(16, thread_name_prefix="jiliang-fsync")
    return pool


def _fsync_dir(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _codec(rows: int) -> str:
    """zstd (the core's codec) for large files; snappy for small ones, where zstd's per-column
    setup dominates: 96 rows (one meter-day) take 2.1 ms with zstd, 0.85 ms with snappy for
    10 % more bytes (docs/benchmarks/monitoring.md). Readers take either."""
    return "zstd" if rows >= SMALL_FILE_ROWS else "snappy"


def _write_file(part: pa.Table, target: Path) -> None:
    """Temp file, fsync, atomic rename, fsync of its directory: durable when this returns."""
    final = str(target)
    directory = os.path.dirname(final)
    temp = os.path.join(directory, f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            pq.write_table(part, handle, compression=_codec(len(part)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(directory)


def write_table(root: Path, table: pa.Table, batch_id: str) -> list[Path]:
    """Store one batch (an Arrow table of the store's SCHEMA, one user) durably.

    Returns the files written, one per China day, sorted like `write_batch` returns them."""
    if len(table) == 0:
        return []
    table = table.cast(SCHEMA)
    users = table.column("user").unique()
    if len(users) != 1:
        raise ValueError("one batch holds the readings of one energy user")
    bucket = bucket_of(str(users[0].as_py()))
    micros = table.column("time").cast(pa.int64()).to_numpy()
    days = (micros + _CST_US) // _DAY_US
    in_order = bool(np.all(days[1:] >= days[:-1]))
    order = np.arange(len(days)) if in_order else np.argsort(days, kind="stable")
    sorted_days = days[order]
    starts = np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]])
    ends = np.r_[starts[1:], len(order)]
    name = batch_file_name(batch_id)
    base = Path(root)
    if not base.is_dir():
        base.mkdir(parents=True, exist_ok=True)
        _fsync_dir(base.parent)
    day_names = [(_EPOCH + dt.timedelta(days=int(d))).isoformat() for d in sorted_days[starts]]
    jobs: list[tuple[pa.Table, Path]] = []
    if goes_to_inbox(base, bucket, name, day_names):
        target = inbox_file(base, bucket, name)
        os.makedirs(target.parent, exist_ok=True)
        jobs.append((table if in_order else table.take(order), target))
    else:
        for day, start, end in zip(day_names, starts.tolist(), ends.tolist(), strict=True):
            target = day_file(base, day, bucket, name)
            os.makedirs(target.parent, exist_ok=True)
            # rows already in time order (the usual batch) are zero-copy slices
            part = table.slice(start, end - start) if in_order else table.take(order[start:end])
            jobs.append((part, target))
    # One parallel round: each file with its bucket directory, and every day directory (or
    # the inbox) and the root - always, not only when this call made them: a directory
    # another upload has just made is durable only once someone's fsync of its parent has
    # returned.
    pool = _pool()
    waits = [pool.submit(_write_file, part, target) for part, target in jobs]
    parents = {target.parent.parent for _, target in jobs} | {base}
    waits += [pool.submit(_fsync_dir, directory) for directory in sorted(parents)]
    for wait in waits:
        wait.result()
    if jobs[0][1].parent.parent.name.startswith("day="):
        drop_inbox_copy(base, bucket, name)  # a resend of a batch that went to the inbox
    return [target for _, target in jobs]
