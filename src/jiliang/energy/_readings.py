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
    """Refuse a Parquet file without the columns point, time (timestamp with zone), value."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = path.name
    if not path.is_file():
        raise ReadingsError(f"{path}: no such file")
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise ReadingsError(f"{name}: cannot be read: {exc}") from None
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


def _table_arrays(
    table: Any, name: str, point_ids: list[str], *, strict: bool, offset: int = 0
) -> Arrays:
    """Arrays of an Arrow table (point, time, value): points dictionary-encoded and mapped.

    With ``strict`` the first bad row raises ReadingsError (unknown point, empty time, value
    not a finite number); ``offset`` is the table's first row number in the file.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    points = table.column("point")
    if not pa.types.is_dictionary(points.type):
        if not pa.types.is_string(points.type) and not pa.types.is_large_string(points.type):
            points = points.cast(pa.string())
        points = pc.dictionary_encode(points)
    if points.num_chunks == 0:
        encoded = pa.array([], pa.string()).dictionary_encode()
    else:
        encoded = points.unify_dictionaries().combine_chunks()
    names = encoded.dictionary.to_pylist()
    lookup = {pid: i for i, pid in enumerate(point_ids)}
    mapping = np.array([lookup.get(n, -1) if n is not None else -1 for n in names] or [-1])
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    null_point = encoded.indices.is_null().to_numpy(zero_copy_only=False)
    pidx = mapping[np.where(null_point, 0, codes).astype(np.int64)].astype(np.int64)
    pidx[null_point] = -1
    times = table.column("time").cast(pa.timestamp("us", tz="UTC")).combine_chunks()
    values = table.column("value")
    if strict:
        bad = np.flatnonzero(pidx < 0)
        if len(bad):
            row = int(bad[0])
            value = points[row].as_py()
            reason = "is empty" if value is None else f"{value!r} is not a point of SITE.yaml"
            raise ReadingsError(f"{name}: row {offset + row + 1}: point {reason}")
        if times.null_count:
            row = int(np.flatnonzero(times.is_null().to_numpy(zero_copy_only=False))[0])
            raise ReadingsError(f"{name}: row {offset + row + 1}: time is empty")
        try:
            as_float = values.cast(pa.float64())
        except pa.ArrowException:
            raise ReadingsError(f"{name}: column value is {values.type}, not numbers") from None
        finite = pc.is_finite(as_float).fill_null(False).to_numpy(zero_copy_only=False)
        if not finite.all():
            row = int(np.flatnonzero(~finite)[0])
            raise ReadingsError(
                f"{name}: row {offset + row + 1}: value {values[row].as_py()!r} is not a number"
            )
    micros = times.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return Arrays(
        pidx=pidx,
        utc_seconds=np.floor_divide(micros, 1_000_000).astype(np.int64),
        values=values.cast(pa.float64()).to_numpy().astype(np.float64),
        seq=np.arange(offset, offset + len(pidx), dtype=np.int64),
    )


def _parquet_arrays(path: Path, point_ids: list[str], *, strict: bool) -> Arrays:
    """A whole Parquet file read with Arrow (no SQL), checked when ``strict``."""
    import pyarrow.parquet as pq

    _parquet_schema(path)
    table = pq.read_table(path, columns=["point", "time", "value"], read_dictionary=["point"])
    return _table_arrays(table, path.name, point_ids, strict=strict)


def parquet_rows(path: str | os.PathLike[str]) -> int:
    """Rows of a Parquet file from its footer (after the schema check)."""
    import pyarrow.parquet as pq

    file = Path(path)
    _parquet_schema(file)
    return int(pq.ParquetFile(file).metadata.num_rows)


def parquet_row_groups(
    path: str | os.PathLike[str],
    point_ids: list[str],
    *,
    strict: bool,
    only: set[int] | None = None,
) -> Iterator[tuple[int, Arrays]]:
    """A Parquet file row group by row group (bounded memory): (group index, Arrays).

    ``only`` limits the pass to those row groups (the others are not even decoded).
    """
    import pyarrow.parquet as pq

    file = Path(path)
    handle = pq.ParquetFile(file, read_dictionary=["point"])
    offset = 0
    for index in range(handle.metadata.num_row_groups):
        rows = handle.metadata.row_group(index).num_rows
        if only is None or index in only:
            table = handle.read_row_group(index, columns=["point", "time", "value"])
            yield index, _table_arrays(table, file.name, point_ids, strict=strict, offset=offset)
        offset += rows


def checked_parquet(path: str | os.PathLike[str], point_ids: list[str]) -> Arrays:
    """A Parquet READINGS file checked in full and read as arrays in one pass."""
    return _parquet_arrays(Path(path), point_ids, strict=True)


def check(path: str | os.PathLike[str], point_ids: list[str]) -> int:
    """Check every row of a READINGS file against the declared points; return the row count."""
    file = Path(path)
    if _kind(file) == "parquet":
        return len(_parquet_arrays(file, point_ids, strict=True).pidx)
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
        arrays = _parquet_arrays(file, point_ids, strict=False)
        keep = arrays.pidx >= 0
        if wanted is not None:
            keep &= np.isin(arrays.pidx, np.asarray(wanted, dtype=np.int64))
        if not keep.all():
            arrays = Arrays(
                arrays.pidx[keep], arrays.utc_seconds[keep], arrays.values[keep], arrays.seq[keep]
            )
        return arrays
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
