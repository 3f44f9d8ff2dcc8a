"""Columnar check of a batch's items: the fast path of `ingest.parse` (issue 14, ingest speed).

The items (a list of dicts from orjson) go into Arrow in one C++ call; every rule of the
per-item check in `ingest._items` is then applied to whole columns. This path only ever says
"all items are good, here are the columns" or "not sure" (None): whenever anything is off -
a bad item, a type Arrow infers differently, a time Arrow and Python might read differently -
the caller runs the per-item Python check, which finds the first bad items and words their
errors exactly as before. So the two paths cannot disagree on what is refused or why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

FIELDS = frozenset({"point", "start", "value", "kind", "quality"})
REQUIRED = ("point", "start", "value")
# The same shapes as ingest._TIME and ingest._QUALITY, in RE2 syntax (\d is ASCII in RE2 only:
# a non-ASCII digit fails here and the Python check decides).
TIME_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
QUALITY_RE = r"^[A-Za-z0-9_]{0,16}$"
UTC_US = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Columns:
    """Checked items as Arrow arrays of one length (times in UTC)."""

    points: pa.Array
    times: pa.Array
    values: pa.Array
    kinds: pa.Array
    qualities: pa.Array

    def __len__(self) -> int:
        return len(self.values)


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask).as_py()) and mask.null_count == 0


def _optional(
    items: list[Any], column: pa.Array | None, name: str, default: str, pattern: str
) -> pa.Array | None:
    """An optional text field: absent means `default`; explicit null or a bad text → None."""
    if column is None:
        return pa.array([default] * len(items), type=pa.string())
    if pa.types.is_null(column.type):
        column = column.cast(pa.string())
    if not pa.types.is_string(column.type):
        return None
    if column.null_count:
        # Arrow shows a missing key and an explicit null alike; only a missing key is default.
        missing = pc.indices_nonzero(column.is_null()).to_pylist()
        if any(name in items[i] for i in missing):
            return None
        column = column.fill_null(default)
    if not _all(pc.match_substring_regex(column, pattern)):
        return None
    return column


def columns(items: list[Any], encoded: bytes) -> Columns | None:
    """All items checked by column, or None when the per-item check must decide.

    `encoded` is the items as JSON (orjson, as hashed for the acknowledgement): Arrow reads a
    true among floats as 1.0, so any true/false in it leaves the batch to the Python check."""
    if b"true" in encoded or b"false" in encoded:
        return None
    try:
        array = pa.array(items)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    if not pa.types.is_struct(array.type) or array.null_count:
        return None
    names = {array.type.field(i).name for i in range(array.type.num_fields)}
    if not names <= FIELDS or not all(name in names for name in REQUIRED):
        return None
    points, starts, values = (array.field(name) for name in REQUIRED)
    if not pa.types.is_string(points.type) or points.null_count:
        return None
    if not _all(
        pc.and_(
            pc.greater_equal(pc.utf8_length(points), 1), pc.less_equal(pc.utf8_length(points), 40)
        )
    ):
        return None
    if not pa.types.is_string(starts.type) or starts.null_count:
        return None
    if not _all(pc.match_substring_regex(starts, TIME_RE)):
        return None
    if pc.any(pc.starts_with(starts, "0000")).as_py():
        return None  # year 0: Python refuses it, Arrow would not
    try:
        times = pc.cast(starts, UTC_US)
    except (pa.ArrowException, ValueError):
        return None  # e.g. 30 February: the Python check words the reason
    if not (pa.types.is_floating(values.type) or pa.types.is_integer(values.type)):
        return None
    if values.null_count:
        return None
    values = values.cast(pa.float64())
    if not _all(pc.less(pc.abs(values), 1e15)):
        return None
    kinds = _optional(
        items, _field(array, names, "kind"), "kind", "register", "^(register|interval)$"
    )
    qualities = _optional(items, _field(array, names, "quality"), "quality", "", QUALITY_RE)
    if kinds is None or qualities is None:
        return None
    return Columns(points, times, values, kinds, qualities)


def _field(array: pa.StructArray, names: set[str], name: str) -> pa.Array | None:
    return array.field(name) if name in names else None
