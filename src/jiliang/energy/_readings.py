"""READINGS files (CSV or Parquet with columns point, time, value): checked, then read as arrays.

A file is checked once, in full, before any evaluation: the first bad row is reported as
``READINGS.csv: row 7 (line 8): time '2026-01-01 00:00' has no UTC offset``. The engines
then read the rows of the points they evaluate (``read_points``), each in delivery order
(``seq`` = the row's position in the file, later rows win among duplicates).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from jiliang.energy._errors import ReadingsError

MAX_READINGS = 2_000_000_000
_OFFSET_RE = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"


@dataclass
class Arrays:
    """Readings of some points as numpy arrays (one row per reading)."""

    pidx: npt.NDArray[np.int64]
    utc_seconds: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    seq: npt.NDArray[np.int64]


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ReadingsError(f"{path.name}: not a .csv or .parquet file")


def _source(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Create the view ``src`` (point, time, value, seq) over the file; return its kind."""
    kind = _kind(path)
    if not path.is_file():
        raise ReadingsError(f"{path}: no such file")
    con.execute("SET TimeZone = 'UTC'")
    literal = str(path).replace("'", "''")
    if kind == "csv":
        reader = (
            f"read_csv('{literal}', header = true, all_varchar = true, auto_detect = true,"
            " parallel = false)"
        )
    else:
        reader = f"read_parquet('{literal}', file_row_number = true)"
    try:
        # the path is quoted above; the rest of the text is ours
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()  # noqa: S608
        columns = [row[0] for row in described]
    except duckdb.Error as exc:
        raise ReadingsError(f"{path.name}: cannot be read: {str(exc).splitlines()[0]}") from None
    for name in ("point", "time", "value"):
        if name not in columns:
            raise ReadingsError(
                f"{path.name}: missing column {name!r} (the columns are point,time,value)"
            )
    order = "file_row_number" if kind == "parquet" else "row_number() OVER () - 1"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW src AS SELECT point, time, value, {order} AS seq"  # noqa: S608
        f" FROM {reader}"
    )
    return kind


def _where(kind: str, seq: int) -> str:
    return f"row {seq + 1} (line {seq + 2})" if kind == "csv" else f"row {seq + 1}"


def _parquet_schema(path: Path) -> None:
    """Refuse a Parquet file without the columns point, time (timestamp with zone), value,
    or with more than MAX_READINGS rows (its footer says how many, before any is read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = path.name
    if not path.is_file():
        raise ReadingsError(f"{path}: no such file")
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (OSError, pa.ArrowException) as exc:
        raise ReadingsError(f"{name}: cannot be read: {exc}") from None
    if metadata.num_rows > MAX_READINGS:
        raise ReadingsError(f"{name}: {metadata.num_rows} rows; at most {MAX_READINGS}")
    for column in ("point", "time", "value"):
        if column not in schema.names:
            raise ReadingsError(
                f"{name}: missing column {column!r} (the columns are point,time,value)"
            )
    time_type = schema.field("time").type
    if not pa.types.is_timestamp(time_type) or time_type.tz is None:
        raise ReadingsError(
            f"{name}: column time is {time_type}; it must be a timestamp with time zone"
        )


def _connect(point_ids: list[str]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the ENUM type ``pts`` of the declared points.

    Casting the point column to it dictionary-encodes the ids inside DuckDB (a projection,
    so rows keep their file order) and ``enum_code`` is then the point's index.
    """
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TEMP TABLE ids AS SELECT unnest($ids::VARCHAR[]) AS id", {"ids": point_ids})
    con.execute("CREATE TYPE pts AS ENUM (SELECT id FROM ids)")
    return con


# per row: the point's index, or -1 (unknown or empty point); -2 (empty time) and -3 (bad
# value) are set by ``_arrays``
_POINT = "enum_code(try_cast(point::VARCHAR AS pts))::INTEGER"
_VALUE = "try_cast(value AS DOUBLE)"


def _reader(path: Path) -> str:
    literal = str(path).replace("'", "''")
    return f"read_parquet('{literal}', file_row_number = true)"


def _first_bad(codes: npt.NDArray[Any], offset: int = 0) -> dict[int, int]:
    """The first row (counted from ``offset``) of each bad-row code present in ``codes``."""
    if not len(codes) or int(codes.min()) >= 0:
        return {}
    first = {}
    for code in (-1, -2, -3):
        rows = np.flatnonzero(codes == code)
        if len(rows):
            first[code] = offset + int(rows[0])
    return first


def _refuse(con: duckdb.DuckDBPyConnection, path: Path, codes: npt.NDArray[Any]) -> None:
    """Raise for the first bad row (points first, then times, then values), like ``check``."""
    refuse_first(con, path, _first_bad(codes))


def refuse_first(con: duckdb.DuckDBPyConnection, path: Path, first: dict[int, int]) -> None:
    """Raise for the first row of the first bad kind found (``first``: code → row)."""
    name = path.name
    for code in (-1, -2, -3):
        if code not in first:
            continue
        row = first[code]
        found = con.execute(
            f"SELECT point::VARCHAR, value::VARCHAR FROM {_reader(path)}"  # noqa: S608
            " WHERE file_row_number = $row",
            {"row": row},
        ).fetchone()
        point, value = found if found else (None, None)
        if code == -1:
            reason = "is empty" if point is None else f"{point!r} is not a point of SITE.yaml"
            raise ReadingsError(f"{name}: row {row + 1}: point {reason}")
        if code == -2:
            raise ReadingsError(f"{name}: row {row + 1}: time is empty")
        shown: Any = value
        if value is not None:
            try:
                shown = float(value)
            except ValueError:
                shown = value
        raise ReadingsError(f"{name}: row {row + 1}: value {shown!r} is not a number")


# a time that is NULL reads as this (no reading is 146,000 years before 1970)
_NO_TIME = -(2**62)


def _select(path: Path, where: str = "", *, seq: bool = False) -> str:
    """The query of ``_fetch`` and ``batches``: DuckDB only decodes the point's index (ENUM
    code, -1 unknown or empty), microseconds and the value."""
    extra = ", file_row_number AS seq" if seq else ""
    return (
        f"SELECT coalesce({_POINT}, -1)::BIGINT AS code,"  # noqa: S608
        f" coalesce(epoch_us(time), {_NO_TIME}) AS us,"
        f" coalesce({_VALUE}, 'NaN'::DOUBLE) AS v{extra} FROM {_reader(path)} {where}"
    )


def _arrays(code: Any, us: Any, values: Any, seq: Any) -> Arrays:
    """Arrays from the decoded columns: the codes of bad rows (-2 no time, -3 no finite
    value, after the point's -1) and the seconds (rounded down, also before 1970) are numpy
    passes."""
    code = np.asarray(code, dtype=np.int64)
    us = np.asarray(us, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    no_time = us == _NO_TIME
    no_value = ~np.isfinite(values)
    if no_time.any() or no_value.any():  # the point first, then time, then value
        code = code.copy()
        known = code >= 0
        code[known & no_value] = -3
        code[known & no_time] = -2
    # in place where the array is ours (fetchnumpy), not in Arrow's read-only buffers
    seconds = np.floor_divide(us, 1_000_000, out=us if us.flags.writeable else None)
    return Arrays(pidx=code, utc_seconds=seconds, values=values, seq=seq)


def _fetch(
    con: duckdb.DuckDBPyConnection, path: Path, where: str = "", *, whole: bool = False
) -> Arrays:
    """Rows of the Parquet file (file order) as arrays; ``pidx`` holds the codes of ``_arrays``.

    ``whole``: the whole file, whose row numbers are 0, 1, ... (not fetched).
    """
    try:
        data = con.execute(_select(path, where, seq=not whole)).fetchnumpy()
    except duckdb.Error as exc:
        raise ReadingsError(f"{path.name}: cannot be read: {str(exc).splitlines()[0]}") from None
    rows = len(data["code"])
    seq = np.arange(rows, dtype=np.int64) if whole else np.asarray(data["seq"], dtype=np.int64)
    return _arrays(data["code"], data["us"], data["v"], seq)


def batches(
    path: str | os.PathLike[str], point_ids: list[str]
) -> Iterator[tuple[Arrays, dict[int, int]]]:
    """The whole Parquet file in file order, as DuckDB produces it (blocks of ~10^5 rows):
    each block's arrays and the first row of each bad-row code in it. DuckDB decodes the
    next block while the caller works on this one (it releases the GIL)."""
    file = Path(path)
    _parquet_schema(file)
    con = _connect(point_ids)
    done = 0
    try:
        reader = con.sql(_select(file)).to_arrow_reader()
        for batch in reader:
            rows = batch.num_rows
            part = _arrays(
                batch.column(0).to_numpy(),
                batch.column(1).to_numpy(),
                batch.column(2).to_numpy(),
                np.arange(done, done + rows, dtype=np.int64),
            )
            yield part, _first_bad(part.pidx, done)
            done += rows
    except duckdb.Error as exc:
        raise ReadingsError(f"{file.name}: cannot be read: {str(exc).splitlines()[0]}") from None


def refuse_bad(path: str | os.PathLike[str], point_ids: list[str], first: dict[int, int]) -> None:
    """Raise for the first bad row found by ``batches`` (nothing when ``first`` is empty)."""
    if first:
        refuse_first(_connect(point_ids), Path(path), first)


def parquet_rows(path: str | os.PathLike[str]) -> int:
    """Rows of a Parquet file from its footer (after the schema check)."""
    import pyarrow.parquet as pq

    file = Path(path)
    _parquet_schema(file)
    return int(pq.ParquetFile(file).metadata.num_rows)


def checked_parquet(path: str | os.PathLike[str], point_ids: list[str]) -> Arrays:
    """A Parquet READINGS file checked in full and read as arrays in one DuckDB pass.

    DuckDB decodes the file on all cores, maps the point ids to their index (ENUM) and
    converts the times to epoch seconds; no Python object is made per row.
    """
    file = Path(path)
    _parquet_schema(file)
    con = _connect(point_ids)
    arrays = _fetch(con, file, whole=True)
    _refuse(con, file, arrays.pidx)
    return arrays


def parquet_points(path: str | os.PathLike[str], point_ids: list[str]) -> npt.NDArray[np.int32]:
    """Check a Parquet READINGS file in full; return each row's point index (4 bytes a row,
    block by block: the times and values of a block are dropped once it is checked)."""
    points: list[npt.NDArray[np.int32]] = []
    first: dict[int, int] = {}
    for block, bad in batches(path, point_ids):
        points.append(block.pidx.astype(np.int32))
        for code, row in bad.items():
            first.setdefault(code, row)
    refuse_bad(path, point_ids, first)
    return np.concatenate(points) if points else np.zeros(0, dtype=np.int32)


def row_ranges(
    points: npt.NDArray[np.int32], wanted: list[int], n_points: int, most: int = 32
) -> list[tuple[int, int]]:
    """The runs of rows (first, last) holding the points ``wanted``, at most ``most`` of them
    (the smallest gaps are bridged): what a worker reads of the file."""
    member = np.zeros(n_points, dtype=bool)
    member[np.asarray(wanted, dtype=np.int64)] = True
    inside = member[points]
    edges = np.diff(np.r_[0, inside.astype(np.int8), 0])
    first = np.flatnonzero(edges == 1)
    last = np.flatnonzero(edges == -1) - 1
    if len(first) > most:
        gaps = first[1:] - last[:-1]
        keep = np.sort(np.argsort(gaps, kind="stable")[len(gaps) - (most - 1) :])
        first = np.r_[first[0], first[1:][keep]]
        last = np.r_[last[:-1][keep], last[-1]]
    return [(int(a), int(b)) for a, b in zip(first, last, strict=True)]


def read_ranges(
    path: str | os.PathLike[str],
    point_ids: list[str],
    ranges: list[tuple[int, int]],
    wanted: list[int],
) -> Arrays:
    """The rows of the points ``wanted`` inside the row ranges of a (checked) Parquet file.

    DuckDB skips the row groups outside ``file_row_number BETWEEN first AND last``, so a
    worker decodes about its own part of the file only.
    """
    file = Path(path)
    con = _connect(point_ids)
    parts = [
        _fetch(con, file, f"WHERE file_row_number BETWEEN {int(a)} AND {int(b)}") for a, b in ranges
    ]
    member = np.zeros(len(point_ids), dtype=bool)
    member[np.asarray(wanted, dtype=np.int64)] = True
    pieces = []
    for part in parts:
        keep = part.pidx >= 0
        keep[keep] = member[part.pidx[keep]]
        pieces.append(
            Arrays(part.pidx[keep], part.utc_seconds[keep], part.values[keep], part.seq[keep])
        )
    return concat(pieces)


def concat(pieces: list[Arrays]) -> Arrays:
    """Arrays of several reads, one after the other."""
    if not pieces:
        return Arrays(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)
        )
    return Arrays(
        np.concatenate([p.pidx for p in pieces]),
        np.concatenate([p.utc_seconds for p in pieces]),
        np.concatenate([p.values for p in pieces]),
        np.concatenate([p.seq for p in pieces]),
    )


def check(path: str | os.PathLike[str], point_ids: list[str]) -> int:
    """Check every row of a READINGS file against the declared points; return the row count."""
    file = Path(path)
    if _kind(file) == "parquet":
        return len(parquet_points(file, point_ids))
    con = duckdb.connect()
    kind = _source(con, file)
    name = file.name
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE src)").fetchall())
    con.execute("CREATE TEMP TABLE ids AS SELECT unnest($ids) AS id", {"ids": point_ids})
    bad = con.execute(
        "SELECT seq, point FROM src WHERE point IS NULL OR point NOT IN (SELECT id FROM ids)"
        " ORDER BY seq LIMIT 1"
    ).fetchone()
    if bad is not None:
        reason = "is empty" if bad[1] is None else f"{bad[1]!r} is not a point of SITE.yaml"
        raise ReadingsError(f"{name}: {_where(kind, bad[0])}: point {reason}")
    time_type = types["time"]
    if time_type == "VARCHAR":
        bad = con.execute(
            "SELECT seq, time FROM src WHERE time IS NULL"
            " OR NOT regexp_matches(trim(time), $pattern)"
            " OR try_cast(time AS TIMESTAMPTZ) IS NULL ORDER BY seq LIMIT 1",
            {"pattern": _OFFSET_RE},
        ).fetchone()
        if bad is not None:
            text = bad[1]
            if text is None:
                reason = "time is empty"
            elif con.execute("SELECT try_cast($t AS TIMESTAMP)", {"t": text}).fetchone() == (None,):
                reason = f"time {text!r} is not an ISO 8601 timestamp"
            else:
                reason = f"time {text!r} has no UTC offset (write e.g. +08:00)"
            raise ReadingsError(f"{name}: {_where(kind, bad[0])}: {reason}")
    elif time_type != "TIMESTAMP WITH TIME ZONE":
        raise ReadingsError(
            f"{name}: column time is {time_type}; it must be a timestamp with time zone"
            " (or ISO 8601 text with offset)"
        )
    else:
        bad = con.execute("SELECT seq FROM src WHERE time IS NULL ORDER BY seq LIMIT 1").fetchone()
        if bad is not None:
            raise ReadingsError(f"{name}: {_where(kind, bad[0])}: time is empty")
    bad = con.execute(
        "SELECT seq, value FROM src WHERE try_cast(value AS DOUBLE) IS NULL"
        " OR NOT isfinite(try_cast(value AS DOUBLE)) ORDER BY seq LIMIT 1"
    ).fetchone()
    if bad is not None:
        raise ReadingsError(f"{name}: {_where(kind, bad[0])}: value {bad[1]!r} is not a number")
    count = con.execute("SELECT count(*) FROM src").fetchone()
    total = int(count[0]) if count else 0
    if total > MAX_READINGS:
        raise ReadingsError(f"{name}: {total} rows; at most {MAX_READINGS}")
    return total


def read_points(
    path: str | os.PathLike[str], point_ids: list[str], wanted: list[int] | None = None
) -> Arrays:
    """Arrays of the (checked) readings of the points ``wanted`` (indices; None: all).

    Rows come in delivery (file) order; the VEE sorts them.
    """
    file = Path(path)
    if _kind(file) == "parquet":
        every = list(range(len(point_ids))) if wanted is None else wanted
        rows = parquet_rows(file)
        return read_ranges(file, point_ids, [(0, rows - 1)] if rows else [], every)
    con = duckdb.connect()
    _source(con, Path(path))
    con.execute(
        "CREATE TEMP TABLE ids AS SELECT * FROM"
        " (SELECT unnest($ids) AS id, unnest(range(len($ids))) AS idx)",
        {"ids": point_ids},
    )
    params: dict[str, Any] = {"wanted": [int(w) for w in wanted] if wanted is not None else None}
    rel = con.execute(
        "SELECT ids.idx::BIGINT AS pidx,"
        " (epoch_us(src.time::TIMESTAMPTZ) // 1000000)::BIGINT AS t,"
        " src.value::DOUBLE AS value, src.seq::BIGINT AS seq"
        " FROM src JOIN ids ON src.point = ids.id"
        " WHERE $wanted IS NULL OR ids.idx IN (SELECT unnest($wanted)) ORDER BY seq",
        params,
    )
    data = rel.fetchnumpy()
    return Arrays(
        pidx=np.asarray(data["pidx"], dtype=np.int64),
        utc_seconds=np.asarray(data["t"], dtype=np.int64),
        values=np.asarray(data["value"], dtype=np.float64),
        seq=np.asarray(data["seq"], dtype=np.int64),
    )
