"""The validated series: one row per point and period, raw value beside the validated one.

Issue 14: "raw values are kept unchanged; validated values are a separate series with a flag
per value; estimates are marked". A point's rows run from its first to its last reading
inside the SITE period (no row, and no estimate, before or after its data). Columns
(docs/energy.md, "Validated series"):

- ``point``, ``time`` (period start, UTC), ``raw_value`` (the last delivered value of the
  period; null when nothing was delivered), ``value`` (the validated value, same scale as
  the raw one: the delivery, a manual edit, an interpolated register or a profile estimate
  divided by the multiplier; null when rejected and not estimable), ``quantity`` (energy of
  the period in the point's unit, multiplier applied: what the daily figures add up;
  registers: the cumulative energy at the next period start minus at this one, null for a
  point's last period), ``flags`` (names, FLAGS order), ``flag_bits`` (the same as a bit
  mask, bit i = FLAGS[i]), ``estimated`` (bool).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from jiliang.energy import _readings, _segments, _vee
from jiliang.energy._errors import ReadingsError
from jiliang.energy._site import Site
from jiliang.energy._vee import BIT, DAY, OFFSET, Detail, flag_names

SCHEMA = pa.schema(
    [
        pa.field("point", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("raw_value", pa.float64()),
        pa.field("value", pa.float64()),
        pa.field("quantity", pa.float64()),
        pa.field("flags", pa.list_(pa.string()), nullable=False),
        pa.field("flag_bits", pa.int64(), nullable=False),
        pa.field("estimated", pa.bool_(), nullable=False),
    ]
)


def validated_series(site: Site, readings: str | os.PathLike[str]) -> pa.Table:
    """Check READINGS (CSV or Parquet, as ``evaluate``) and return its validated series."""
    path = Path(readings)
    ids = [p.id for p in site.points]
    if path.suffix.lower() in (".parquet", ".pq"):
        arrays = _readings.checked_parquet(path, ids)
    else:
        _readings.check(path, ids)
        arrays = _readings.read_points(path, ids)
    _, detail = _vee.run(
        site, arrays.pidx, arrays.utc_seconds, arrays.values, arrays.seq, detail=True
    )
    return series_table(site, detail)


@functools.cache
def _names(mask: int) -> tuple[str, ...]:
    return tuple(flag_names(mask))


def series_table(site: Site, detail: Detail) -> pa.Table:
    """The series of the rows of ``_vee.run(..., detail=True)`` (all arrays, no row loop)."""
    rows = detail.rows
    n_points = len(site.points)
    step = np.array([pt.interval_minutes * 60 for pt in site.points], dtype=np.int64)
    mult = np.array([pt.multiplier for pt in site.points], dtype=np.float64)
    modulus = np.array([np.nan if pt.modulus is None else pt.modulus for pt in site.points])
    register = np.array([pt.kind == "register" for pt in site.points], dtype=bool)
    day0 = _vee._epoch(site.days[0])
    end = day0 + len(site.days) * DAY
    first, last = _vee._spans(rows, n_points)
    has = np.diff(rows.starts) > 0
    # periods are multiples of the step in local time and so is midnight: lo, hi are aligned
    lo = np.where(has, np.maximum(np.where(has, first, 0), day0), 0)
    hi = np.where(has, np.minimum(np.where(has, last, 0), end - step), -1)
    n_periods = np.where(has & (hi >= lo), (hi - lo) // step + 1, 0)
    gp = np.repeat(np.arange(n_points, dtype=np.int64), n_periods)
    begin = np.repeat(np.cumsum(n_periods) - n_periods, n_periods)
    gt = lo[gp] + (np.arange(len(gp), dtype=np.int64) - begin) * step[gp]
    # the kept row of each period, if there is one
    if len(rows.t) and len(gt):
        base = min(int(rows.t.min()), int(gt.min()))
        width = max(int(rows.t.max()), int(gt.max())) - base + 1
        keys = rows.p * width + (rows.t - base)
        at = np.minimum(np.searchsorted(keys, gp * width + (gt - base)), len(keys) - 1)
        present = keys[at] == gp * width + (gt - base)
    else:
        at = np.zeros(len(gp), dtype=np.int64)
        present = np.zeros(len(gp), dtype=bool)
    if not len(rows.t):
        return _table(site, gp, gt, *(np.zeros(0),) * 3, np.zeros(0, np.int64), np.zeros(0, bool))
    flags = np.where(present, rows.flags[at], 0).astype(np.int64)
    raw = np.where(present, rows.raw[at], np.nan)
    accepted = present & rows.accepted[at]
    value = np.where(accepted, rows.value[at], np.nan)
    quantity = np.where(accepted, rows.energy[at], np.nan)
    estimated = np.zeros(len(gp), dtype=bool)

    # interval points: a missing or rejected value is the profile's estimate
    interval = ~register[gp] & ~accepted
    if interval.any() and len(detail.profile):
        slot = ((gt[interval] - day0) % DAY) // step[gp[interval]]
        estimate = detail.profile[detail.profile_offset[gp[interval]] + slot]
        value[interval] = estimate / mult[gp[interval]]
        quantity[interval] = estimate
        estimated[interval] = ~np.isnan(estimate)

    # register points: interpolate the register across a gap; the period's energy from the
    # cumulative energy read at its start and at the next period start
    reg = register[gp]
    if reg.any():
        qp, qt = gp[reg], gt[reg]
        at0, jj, inner, frac = _segments.interpolation(rows.p, rows.t, rows.starts, qp, qt)
        start_c = _segments.value_at(detail.cum, at0, jj, inner, frac)
        at1, jj1, inner1, frac1 = _segments.interpolation(
            rows.p, rows.t, rows.starts, qp, qt + step[qp]
        )
        end_c = _segments.value_at(detail.cum, at1, jj1, inner1, frac1)
        q = np.where(qt + step[qp] > last[qp], np.nan, end_c - start_c)
        quantity[reg] = q
        guess = rows.value[np.maximum(jj - 1, 0)] + frac * detail.step_raw[jj]
        guess = np.where(
            ~np.isnan(modulus[qp]) & (guess >= modulus[qp]), guess - modulus[qp], guess
        )
        gap = ~present[reg]
        value[np.flatnonzero(reg)[gap]] = guess[gap]
        estimated[np.flatnonzero(reg)[gap]] = True
    flags = flags | np.where(estimated, BIT["estimated"], 0)
    return _table(site, gp, gt, raw, value, quantity, flags, estimated)


def _table(
    site: Site, gp: Any, gt: Any, raw: Any, value: Any, quantity: Any, flags: Any, estimated: Any
) -> pa.Table:
    ids = pa.array([pt.id for pt in site.points], pa.string())
    point = pa.DictionaryArray.from_arrays(pa.array(gp, pa.int32()), ids).cast(pa.string())
    unique, inverse = np.unique(flags, return_inverse=True)
    names = [list(_names(int(mask))) for mask in unique]
    offsets = np.r_[0, np.cumsum([len(n) for n in names])].astype(np.int32)
    per_mask = pa.ListArray.from_arrays(
        pa.array(offsets), pa.array([x for n in names for x in n], pa.string())
    )
    flag_lists = (
        per_mask.take(pa.array(inverse.ravel(), pa.int64()))
        if len(unique)
        else pa.array([], pa.list_(pa.string()))
    )
    return pa.table(
        {
            "point": point,
            "time": pa.array(gt - OFFSET, pa.int64()).cast(pa.timestamp("s", tz="UTC")),
            "raw_value": pa.array(raw, pa.float64(), from_pandas=True),
            "value": pa.array(value, pa.float64(), from_pandas=True),
            "quantity": pa.array(quantity, pa.float64(), from_pandas=True),
            "flags": flag_lists,
            "flag_bits": pa.array(flags, pa.int64()),
            "estimated": pa.array(estimated, pa.bool_()),
        },
        schema=SCHEMA,
    )


def write_series(table: pa.Table, out: str | os.PathLike[str]) -> Path:
    """Write the series as Parquet (``.parquet``) or CSV (``.csv``: flags joined by ``;``,
    times ISO 8601 in UTC)."""
    import pyarrow.compute as pc

    path = Path(out)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        pq.write_table(table, path, compression="zstd")
        return path
    if suffix != ".csv":
        raise ReadingsError(f"{path.name}: the series is written as .parquet or .csv")
    import pyarrow.csv as pcsv

    joined = pc.binary_join(table.column("flags"), ";")
    flat = table.set_column(table.schema.get_field_index("flags"), "flags", joined)
    pcsv.write_csv(flat, path)
    return path
