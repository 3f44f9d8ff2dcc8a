"""Readings on disk: a partitioned Parquet layout, written durably, read through DuckDB.

Layout (hive partitioning, so DuckDB prunes by directory)::

    ROOT/day=YYYY-MM-DD/bucket=NN/b-<hash of batch id>.parquet    day partitions
    ROOT/inbox/bucket=NN/b-<hash of batch id>.parquet             batches of many days

- ``day`` is the reading's period start as a date in China Standard Time (UTC+08:00, the
  reporting day of GB/T 37947 platforms; China has kept no summer time since 1991), so one
  reporting day of a user lies in one directory;
- ``bucket`` is CRC-32 of the user code mod ``BUCKETS`` (stable across processes and
  machines, unlike Python's ``hash``), two digits;
- the file name comes from the batch id alone, so writing the same batch again replaces its
  files and never adds a second copy.

The inbox: the rows of one bucket of a batch that spans more than ``INBOX_DAYS`` China days
(a meter's backlog: 10^4 quarter hours are 104 days) are written as ONE file in
``inbox/bucket=NN`` instead of one file per day, since each file costs a Parquet write and
two fsyncs on the acknowledgement path. ``compact`` later moves inbox files into the day
partitions (the same names ``write_batch`` would give). ``scan`` reads both as one relation.

Each file is written to a hidden temporary name in its directory, flushed, ``fsync``-ed,
renamed over the final name with ``os.replace`` (atomic on POSIX) and the directory is
``fsync``-ed: once ``write_batch`` returns the batch survives ``kill -9`` and power loss of a
journalled filesystem. Readers never see half a file (the ``*.parquet`` glob skips the
temporary names).

Dedupe on read: the same (user, point, time, kind) delivered in two batches is one reading;
the copy with the latest ``received`` wins (ties: the greater batch id), so a resend or a
correction by the enterprise end replaces what it sent before. A compaction cut short between
writing the day files and unlinking the inbox file leaves two identical copies of a batch's
rows: dedupe keeps one, and even ``scan(dedupe=False)`` drops the inbox copy of a row whose
batch already has it in a day file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import math
import os
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from jiliang.energy._errors import StoreError

BUCKETS = 16
KINDS = ("register", "interval")
SOURCES = ("api", "mqtt", "manual", "estimate")
CST = dt.timezone(dt.timedelta(hours=8), "CST")
INBOX = "inbox"
# A bucket of a batch spanning more than INBOX_DAYS China days goes to the inbox as one file.
# Measured (benchmarks/energy_inbox_threshold.py, docs/benchmarks/monitoring.md): writing a
# 10^4-reading batch as k day files costs about as much as one file up to 8 days (9-13 ms
# against 7-12 ms, within the noise), 18-21 ms at 10-14 days and 150 ms at 104 days (one file:
# 7-16 ms). Up to a week - a gateway's weekly upload, every daily upload - day files cost the
# acknowledgement nothing measurable and need no compaction; beyond it one inbox file wins.
INBOX_DAYS = 7

SCHEMA = pa.schema(
    [
        pa.field("user", pa.string(), nullable=False),
        pa.field("point", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("quality", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("batch", pa.string(), nullable=False),
        pa.field("received", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)
COLUMNS = tuple(SCHEMA.names)


def bucket_of(user: str) -> int:
    """The user's bucket: CRC-32 of its UTF-8 code mod BUCKETS (stable everywhere)."""
    return zlib.crc32(user.encode("utf-8")) % BUCKETS


def day_of(time: dt.datetime) -> dt.date:
    """The reporting day (China Standard Time) of an aware timestamp."""
    return time.astimezone(CST).date()


def batch_file_name(batch_id: str) -> str:
    """Deterministic, filesystem-safe file name of a batch (any characters in the id)."""
    digest = hashlib.sha256(batch_id.encode("utf-8")).hexdigest()[:32]
    return f"b-{digest}.parquet"


def _parse_time(value: Any, index: int, field: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise StoreError(
                f"row {index}: {field} {value!r} is not an ISO 8601 timestamp"
            ) from None
    if not isinstance(value, dt.datetime):
        raise StoreError(f"row {index}: {field} must be a timestamp, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"row {index}: {field} {value.isoformat()} has no UTC offset")
    return value.astimezone(dt.UTC)


def _text(row: Mapping[str, Any], index: int, field: str, default: str | None = None) -> str:
    value = row.get(field, default)
    if not isinstance(value, str) or not value:
        raise StoreError(f"row {index}: {field} must be a non-empty text")
    return value


def rows_to_table(
    rows: Iterable[Mapping[str, Any]], batch_id: str, received: dt.datetime | None = None
) -> pa.Table:
    """Check rows (dicts) and make the Arrow table of the store's schema.

    Required: user, point, time (aware datetime or ISO text with offset), value (finite
    number), kind (register|interval). Optional: quality ("" if absent), source ("api"),
    received (defaults to ``received`` or now). Raises StoreError naming row and field.
    """
    now = (received or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    cols: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for index, row in enumerate(rows):
        user = _text(row, index, "user")
        point = _text(row, index, "point")
        time = _parse_time(row.get("time"), index, "time")
        value = row.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise StoreError(f"row {index}: value must be a number")
        if not math.isfinite(value):
            raise StoreError(f"row {index}: value {value!r} is not finite")
        kind = _text(row, index, "kind")
        if kind not in KINDS:
            raise StoreError(f"row {index}: kind {kind!r} is not one of {', '.join(KINDS)}")
        source = _text(row, index, "source", "api")
        if source not in SOURCES:
            raise StoreError(f"row {index}: source {source!r} is not one of {', '.join(SOURCES)}")
        quality = row.get("quality") or ""
        if not isinstance(quality, str):
            raise StoreError(f"row {index}: quality must be a text")
        got = row.get("received")
        cols["user"].append(user)
        cols["point"].append(point)
        cols["time"].append(time)
        cols["value"].append(float(value))
        cols["kind"].append(kind)
        cols["quality"].append(quality)
        cols["source"].append(source)
        cols["batch"].append(batch_id)
        cols["received"].append(now if got is None else _parse_time(got, index, "received"))
    return pa.table(cols, schema=SCHEMA)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path, root: Path) -> None:
    """Create a partition directory and fsync each new entry's parent, so it stays."""
    if path.is_dir():
        return
    missing: list[Path] = []
    probe = path
    while not probe.is_dir():
        missing.append(probe)
        probe = probe.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        _fsync_dir(new.parent)
    _ = root


def _write_durable(table: pa.Table, target: Path, compression: str = "zstd") -> None:
    temp = target.parent / f".{target.name}.{os.getpid()}.tmp"
    try:
        with open(temp, "wb") as handle:
            pq.write_table(table, handle, compression=compression)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()
    _fsync_dir(target.parent)


def _partition_keys(table: pa.Table) -> list[tuple[str, int]]:
    """Per row: (CST day as YYYY-MM-DD, bucket), computed vectorised."""
    import pyarrow.compute as pc

    offset = pa.scalar(dt.timedelta(hours=8), type=pa.duration("us"))
    local = pc.add(table.column("time").cast(pa.timestamp("us")), offset)
    days = pc.strftime(local, format="%Y-%m-%d").to_pylist()
    users = table.column("user").to_pylist()
    buckets: dict[str, int] = {}
    keys = []
    for day, user in zip(days, users, strict=True):
        bucket = buckets.get(user)
        if bucket is None:
            bucket = buckets[user] = bucket_of(user)
        keys.append((day, bucket))
    return keys


def day_file(root: str | os.PathLike[str], day: str, bucket: int, name: str) -> Path:
    """Where a batch's rows of one China day (YYYY-MM-DD) and bucket lie in the day layout."""
    return Path(root) / f"day={day}" / f"bucket={bucket:02d}" / name


def inbox_file(root: str | os.PathLike[str], bucket: int, name: str) -> Path:
    """Where a batch's rows of one bucket lie while in the inbox."""
    return Path(root) / INBOX / f"bucket={bucket:02d}" / name


def goes_to_inbox(
    root: str | os.PathLike[str], bucket: int, name: str, days: Sequence[str]
) -> bool:
    """Whether a batch's rows of one bucket, on these China days, are written to the inbox.

    More than INBOX_DAYS days, and no day file of this batch there yet: a resend of a batch
    already compacted replaces its day files instead, so no batch lies in both forms."""
    if len(days) <= INBOX_DAYS:
        return False
    return not any(day_file(root, day, bucket, name).exists() for day in days)


def drop_inbox_copy(root: str | os.PathLike[str], bucket: int, name: str) -> bool:
    """Unlink a batch's inbox file of one bucket (durably) once its day files are written."""
    target = inbox_file(root, bucket, name)
    try:
        os.unlink(target)
    except FileNotFoundError:
        return False
    _fsync_dir(target.parent)
    return True


def write_batch(
    root: str | os.PathLike[str],
    rows: Iterable[Mapping[str, Any]] | pa.Table,
    batch_id: str,
    *,
    received: dt.datetime | None = None,
) -> list[Path]:
    """Store one batch durably; return the files written (one per day × bucket, or one
    inbox file per bucket whose rows span more than INBOX_DAYS days).

    ``rows`` are dicts (see ``rows_to_table``) or an Arrow table of ``SCHEMA`` (its ``batch``
    column is overwritten with ``batch_id``). Nothing is written when a row is refused.
    Writing the same ``batch_id`` again replaces its files (same names, in either form).
    """
    if not batch_id:
        raise StoreError("batch id must be a non-empty text")
    base = Path(root)
    if isinstance(rows, pa.Table):
        try:
            table = rows.select(list(COLUMNS)).cast(SCHEMA)
        except (KeyError, pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise StoreError(f"table does not match the readings schema: {exc}") from None
        table = table.set_column(
            COLUMNS.index("batch"), SCHEMA.field("batch"), pa.array([batch_id] * len(table))
        )
    else:
        table = rows_to_table(rows, batch_id, received)
    if len(table) == 0:
        return []
    groups: dict[int, dict[str, list[int]]] = {}
    for index, (day, bucket) in enumerate(_partition_keys(table)):
        groups.setdefault(bucket, {}).setdefault(day, []).append(index)
    name = batch_file_name(batch_id)
    written: list[Path] = []
    base.mkdir(parents=True, exist_ok=True)
    for bucket, days in sorted(groups.items()):
        if goes_to_inbox(base, bucket, name, sorted(days)):
            target = inbox_file(base, bucket, name)
            _ensure_dir(target.parent, base)
            indices = sorted(i for day_rows in days.values() for i in day_rows)
            _write_durable(table.take(pa.array(indices, type=pa.int64())), target)
            written.append(target)
            continue
        for day, indices in sorted(days.items()):
            target = day_file(base, day, bucket, name)
            _ensure_dir(target.parent, base)
            _write_durable(table.take(pa.array(indices, type=pa.int64())), target)
            written.append(target)
        drop_inbox_copy(base, bucket, name)
    return sorted(written)


def _glob(root: Path) -> str:
    return str(root / "day=*" / "bucket=*" / "*.parquet")


def _day_files(
    base: Path, buckets: Sequence[int] | None, first: dt.date | None, last: dt.date | None
) -> str | list[str]:
    """The day files a scan needs: the whole glob when it wants every day and bucket, else
    the files of the wanted directories, listed here. DuckDB's own glob walks every file of
    the layout before its directory filter applies (~0.4 s for 10^4 files), so a one-day
    read of a compacted store would pay for all its days."""
    if buckets is None and first is None and last is None:
        return _glob(base)
    low = first.isoformat() if first is not None else ""
    high = last.isoformat() if last is not None else "~"
    with os.scandir(base) as entries:
        day_dirs = sorted(
            e.name for e in entries if e.name.startswith("day=") and low <= e.name[4:] <= high
        )
    wanted = None if buckets is None else [f"bucket={b:02d}" for b in buckets]
    files: list[str] = []
    for day in day_dirs:
        try:
            bucket_dirs = wanted or sorted(
                n for n in os.listdir(base / day) if n.startswith("bucket=")
            )
        except (FileNotFoundError, NotADirectoryError):
            continue
        for bucket in bucket_dirs:
            directory = base / day / bucket
            try:
                names = sorted(os.listdir(directory))
            except (FileNotFoundError, NotADirectoryError):
                continue
            files.extend(str(directory / n) for n in names if n.endswith(".parquet"))
    return files


def _inbox_glob(root: Path) -> str:
    return str(root / INBOX / "bucket=*" / "*.parquet")


def _has_inbox(base: Path) -> bool:
    return (base / INBOX).is_dir() and any((base / INBOX).glob("bucket=*/*.parquet"))


def has_readings(root: str | os.PathLike[str]) -> bool:
    """Whether the layout holds any file (day partitions or inbox)."""
    base = Path(root)
    return base.is_dir() and (any(base.glob("day=*/bucket=*/*.parquet")) or _has_inbox(base))


def _empty(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    return con.sql(
        "SELECT NULL::VARCHAR AS user, NULL::VARCHAR AS point, NULL::TIMESTAMPTZ AS time,"
        " NULL::DOUBLE AS value, NULL::VARCHAR AS kind, NULL::VARCHAR AS quality,"
        " NULL::VARCHAR AS source, NULL::VARCHAR AS batch, NULL::TIMESTAMPTZ AS received,"
        " NULL::DATE AS day, NULL::INTEGER AS bucket WHERE false"
    )


_READ_DAYS = (
    "SELECT {columns}, day, bucket, false AS _inbox FROM read_parquet($path,"
    " hive_partitioning = true, hive_types = {{'day': DATE, 'bucket': INTEGER}})"
)
# The day of an inbox row is computed like the writer's: the UTC time + 8 h, as a date.
_READ_INBOX = (
    "SELECT {columns}, CAST(CAST(time AS TIMESTAMP) + INTERVAL 8 HOUR AS DATE) AS day, bucket,"
    " true AS _inbox FROM read_parquet($inbox, hive_partitioning = true,"
    " hive_types = {{'bucket': INTEGER}})"
)


def scan(
    root: str | os.PathLike[str],
    *,
    users: Sequence[str] | None = None,
    points: Sequence[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    dedupe: bool = True,
    con: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyRelation:
    """Readings as a DuckDB relation, pruned by day and bucket, deduplicated.

    ``start`` (inclusive) and ``end`` (exclusive) are aware datetimes on the period start.
    Columns: the store's columns plus ``bucket`` (INTEGER) and ``day`` (DATE) from the
    directory names (for inbox rows: ``day`` from ``time`` in China time). With ``dedupe``
    the latest ``received`` copy of each (user, point, time, kind) is kept; without it every
    stored copy, less the inbox copy of a row whose batch already has it in a day file (the
    leftover of an interrupted compaction). Call ``.arrow()`` for an Arrow table.
    """
    con = con or duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    base = Path(root)
    if not base.is_dir() or (users is not None and not users):
        return _empty(con)
    if points is not None and not points:
        return _empty(con)
    where: list[str] = []
    params: dict[str, Any] = {}
    buckets: list[int] | None = None
    first = last = None
    if users is not None:
        buckets = sorted({bucket_of(user) for user in users})
        where.append(f"bucket IN ({', '.join(str(b) for b in buckets)})")
        where.append("user IN (SELECT unnest($users))")
        params["users"] = list(users)
    if points is not None:
        where.append("point IN (SELECT unnest($points))")
        params["points"] = list(points)
    if start is not None:
        start_utc = start.astimezone(dt.UTC)
        first = day_of(start_utc)
        where.append(f"day >= DATE '{first.isoformat()}' AND time >= $start")
        params["start"] = start_utc
    if end is not None:
        end_utc = end.astimezone(dt.UTC)
        last = day_of(end_utc)
        where.append(f"day <= DATE '{last.isoformat()}' AND time < $end")
        params["end"] = end_utc
    path = _day_files(base, buckets, first, last)
    days = bool(path) if isinstance(path, list) else any(base.glob("day=*/bucket=*/*.parquet"))
    inbox = _has_inbox(base)
    if not days and not inbox:
        return _empty(con)
    if days and not inbox:
        # the plain layout: the reader before the inbox existed
        params["path"] = path
        sql = (
            "SELECT * FROM read_parquet($path, hive_partitioning = true,"
            " hive_types = {'day': DATE, 'bucket': INTEGER})"
        )
    else:
        columns = ", ".join(COLUMNS)
        parts = []
        if days:
            parts.append(_READ_DAYS.format(columns=columns))
            params["path"] = path
        parts.append(_READ_INBOX.format(columns=columns))
        params["inbox"] = _inbox_glob(base)
        # constant fragments only (the column names); every value is a parameter
        # bucket before day: the order DuckDB gives the hive columns of the day layout
        sql = f"SELECT {columns}, bucket, day FROM ({' UNION ALL '.join(parts)})"  # noqa: S608
    if where:
        sql += " WHERE " + " AND ".join(where)
    if dedupe:
        sql += (
            " QUALIFY row_number() OVER (PARTITION BY user, point, time, kind"
            " ORDER BY received DESC, batch DESC) = 1"
        )
    elif days and inbox:
        sql += (
            " QUALIFY NOT _inbox OR count(*) FILTER (WHERE NOT _inbox)"
            " OVER (PARTITION BY user, point, time, kind, batch) = 0"
        )
    return con.sql(sql, params=params)


@dataclass(frozen=True)
class Compacted:
    """What one inbox file became: its rows now lie in ``day_files``."""

    inbox: Path
    rows: int
    day_files: tuple[Path, ...]


def _read_inbox_file(path: Path) -> pa.Table:
    try:
        with open(path, "rb") as handle:
            table = pq.ParquetFile(handle).read()
        return table.select(list(COLUMNS)).cast(SCHEMA)
    except (OSError, KeyError, pa.ArrowException) as exc:
        raise StoreError(f"{path}: not a readable file of the readings store ({exc})") from None


def _compact_one(base: Path, path: Path, pool: ThreadPoolExecutor) -> Compacted | None:
    """Day files first (durable), then the inbox file goes: a crash in between leaves two
    identical copies, which reads count once; the inbox file is unlinked only if it is still
    the one read (a resend may have replaced it meanwhile)."""
    before = os.stat(path)
    table = _read_inbox_file(path)
    bucket = int(path.parent.name.removeprefix("bucket="))
    groups: dict[str, list[int]] = {}
    for index, (day, _) in enumerate(_partition_keys(table)):
        groups.setdefault(day, []).append(index)
    jobs = []
    for day, indices in sorted(groups.items()):
        target = day_file(base, day, bucket, path.name)
        _ensure_dir(target.parent, base)
        jobs.append((table.take(pa.array(indices, type=pa.int64())), target))
    # snappy for a day's few rows, as the ingest path does: zstd's setup dominates there
    waits = [
        pool.submit(_write_durable, part, target, "zstd" if len(part) >= 2048 else "snappy")
        for part, target in jobs
    ]
    for wait in waits:
        wait.result()
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return None  # another compaction took it
    if (now.st_ino, now.st_mtime_ns) != (before.st_ino, before.st_mtime_ns):
        return None  # replaced by a resend: the next run moves the new copy
    drop_inbox_copy(base, bucket, path.name)
    return Compacted(path, len(table), tuple(target for _, target in jobs))


def compact(
    root: str | os.PathLike[str],
    *,
    older_than: float = 0.0,
    on_file: Callable[[Compacted], None] | None = None,
) -> list[Compacted]:
    """Move inbox files last modified ``older_than`` seconds ago or earlier into the day
    partitions; return what was moved. One compaction at a time per root (a lock file).
    An unreadable inbox file stays where it is and raises StoreError once the others moved.

    Safe to interrupt anywhere (kill -9, power loss): nothing is lost, nothing counted twice,
    and the next run finishes the job (it rewrites the same day files, same names)."""
    if older_than < 0 or not math.isfinite(older_than):
        raise StoreError(f"older than {older_than!r} s: give a number of seconds >= 0")
    base = Path(root)
    if base.exists() and not base.is_dir():
        raise StoreError(f"{base}: not a directory")
    if not _has_inbox(base):
        return []
    done: list[Compacted] = []
    errors: list[StoreError] = []
    lock = os.open(base / INBOX / ".compact.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        limit = time.time() - older_than
        due = []
        for path in sorted((base / INBOX).glob("bucket=*/*.parquet")):
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_mtime <= limit:
                    due.append(path)
        # A few inbox files at once, their day files through one pool: the fsyncs overlap.
        with (
            ThreadPoolExecutor(16, thread_name_prefix="jiliang-compact") as writers,
            ThreadPoolExecutor(4, thread_name_prefix="jiliang-compact-file") as files,
        ):
            for wait in [files.submit(_compact_one, base, path, writers) for path in due]:
                try:
                    moved = wait.result()
                except StoreError as exc:
                    errors.append(exc)  # the others are still moved; this one stays
                    continue
                if moved is not None:
                    done.append(moved)
                    if on_file is not None:
                        on_file(moved)
    finally:
        os.close(lock)
    if errors:
        raise errors[0]
    return done
