"""VEE and daily energy of a partition of points, vectorised with numpy.

One call handles any set of whole points (every reading of a point is in the same call), and
each point's numbers depend only on its own readings, so splitting the points differently
(the embedded engine in one call, Dask in several) gives bit-identical results.

Steps (docs/energy.md, "VEE"):

1. timestamps: a reading within ±tolerance of its period start is snapped to it
   (``time_snapped`` when it was off), beyond that it is ``time_off_grid`` and not used;
2. duplicates: several readings of one period keep the last delivered (``duplicate``;
   ``duplicate_conflict`` when their values differ); manual edits come last, so they win
   (``edited``); raw values are never changed, the validated series is separate;
3. registers: energy is a difference of registers × multiplier; a restart is a meter
   replacement when an event is given (old final, new initial), a rollover when the
   previous value was near the top and the new one near zero (energy = modulus − previous
   + new), otherwise ``register_restart`` (that step's energy is unknown and counts 0);
   a day is the cumulative energy at its end minus at its start, each read at midnight or
   linearly interpolated between the readings around it (``estimated``);
4. intervals: negative or implausible values are rejected (``negative``, ``implausible``)
   and, like gaps, filled from the point's profile (mean of the same period of the day)
   as ``estimated``; only between the point's first and last reading (no extrapolation);
5. spikes against the point's own median step (``spike``, kept), completeness per day
   (``incomplete`` below the threshold, ``no_data`` when none), legal state of the meter
   (``meter_not_verified``, ``meter_state_unknown``) with the energy measured in each state.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from jiliang.energy import _data, _segments
from jiliang.energy._site import Site

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

FLAGS = (
    "time_snapped",
    "time_off_grid",
    "duplicate",
    "duplicate_conflict",
    "edited",
    "negative",
    "implausible",
    "spike",
    "rollover",
    "meter_replaced",
    "register_restart",
    "estimated",
    "incomplete",
    "no_data",
    "meter_not_verified",
    "meter_state_unknown",
    "monthly_mismatch",
)
BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
DAY = 86_400
OFFSET = 8 * 3600  # China Standard Time, no summer time since 1991
# legal state codes of a reading or step
VERIFIED, UNKNOWN, NOT_VERIFIED = 0, 1, 2


def kernels() -> ModuleType:
    """The compiled per-row steps (``_kernels``), imported on first use: numba takes
    0.4 s to import (1.5 s without cached bytecode), which pages and commands that never
    evaluate readings should not pay."""
    from jiliang.energy import _kernels

    return _kernels


def warm_up() -> float:
    """Load numba's CPU target and every compiled kernel now, by evaluating two readings of
    a one-day, two-point site (a process pays this once: 0.6-1.4 s); returns the seconds it
    took. Benchmarks call it at start, apart from the measured run."""
    from jiliang.energy._site import parse_site

    began = time.perf_counter()
    site = parse_site(
        {
            "period": {"from": "2026-01-01", "to": "2026-01-01"},
            "coefficients": {"edition": "GB/T 2589-2020", "electricity": "calorific"},
            "points": [
                {"id": k, "variety": "electricity", "kind": k, "unit": "kWh"}
                for k in ("register", "interval")
            ],
        }
    )
    midnight = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()) - OFFSET
    pidx = np.array([0, 0, 1], dtype=np.int64)
    times = np.array([midnight, midnight + 900, midnight], dtype=np.int64)
    run(site, pidx, times, np.array([1.0, 2.0, 1.0]), np.arange(3, dtype=np.int64))
    return time.perf_counter() - began


def flag_names(mask: int) -> list[str]:
    """The flag names set in a bit mask, in FLAGS order."""
    return list(_flag_names(mask))


@functools.cache
def _flag_names(mask: int) -> tuple[str, ...]:
    return tuple(name for name in FLAGS if mask & BIT[name])


@dataclass
class DailyResult:
    """Per (point, day) figures of a partition; arrays of equal length, sorted by point, day."""

    point: I64  # index into site.points
    day: I64  # index into site.days
    quantity: F64  # in the point's unit, multiplier applied, estimates included
    estimated: F64  # part of quantity that is estimated
    not_verified: F64  # energy measured while the meter was overdue/failed/unregistered
    unknown: F64  # energy measured while the meter's legal state was not given
    valid: I64  # periods with a valid reading
    expected: I64  # periods in the day
    flags: I64  # bit mask of FLAGS


def _epoch(day: dt.date) -> int:
    """Local (China time) seconds of a day's midnight, counted like epoch seconds."""
    return (day - dt.date(1970, 1, 1)).days * DAY


@dataclass
class Rows:
    """The validated readings of a partition: one row per point and period, sorted by both.

    ``t`` is the local (China time) period start in seconds, ``value`` the validated value
    (the last delivery, or the manual edit), ``raw`` the last delivered value (NaN where only
    an edit exists), ``flags`` the bits of each value, ``state`` the meter's legal state,
    ``energy`` the value's energy in the point's unit (interval: value × multiplier;
    register: the step ending at this reading), ``accepted`` False for rejected values.
    """

    p: I64
    t: I64
    value: F64
    raw: F64
    flags: I64
    state: I64
    energy: F64
    accepted: npt.NDArray[np.bool_]
    starts: I64  # rows of point i: starts[i]:starts[i + 1]


@dataclass
class Detail:
    """What the per-value series needs beyond the rows: the profile and register sums."""

    rows: Rows
    profile: F64  # interval points: profile[offset[p] + slot of the day]; NaN: no profile
    profile_offset: I64
    cum: F64  # register points: cumulative energy at each row (0 at the point's first row)
    step_raw: F64  # register points: register step ending at each row, before the multiplier


def _state_codes(site: Site, p: I64, t: I64) -> I64:
    """Legal state code (VERIFIED/UNKNOWN/NOT_VERIFIED) of each (point, local time).

    The intervals of a point apply in their order (a later one overrides an earlier one);
    the loop runs over the rank of an interval, not over points.
    """
    codes = np.full(len(p), UNKNOWN, dtype=np.int64)
    depth = max((len(point.legal) for point in site.points), default=0)
    never = np.iinfo(np.int64).max
    for rank in range(depth):
        n = len(site.points)
        has = np.zeros(n, dtype=bool)
        start = np.zeros(n, dtype=np.int64)
        end = np.zeros(n, dtype=np.int64)
        code = np.zeros(n, dtype=np.int64)
        for index, point in enumerate(site.points):
            if len(point.legal) > rank:
                interval = point.legal[rank]
                has[index] = True
                start[index] = int(interval.start.timestamp()) + OFFSET
                end[index] = (
                    never if interval.end is None else int(interval.end.timestamp()) + OFFSET
                )
                code[index] = VERIFIED if interval.state == "verified" else NOT_VERIFIED
        inside = has[p] & (t >= start[p]) & (t < end[p])
        codes[inside] = code[p][inside]
    return codes


class _Days:
    """The (point, day) grid of a partition and the marking of flags on it."""

    def __init__(self, n_points: int, n_days: int, day0: int) -> None:
        self.n_days = n_days
        self.day0 = day0
        self.flags = np.zeros(n_points * n_days, dtype=np.int64)

    def mark(self, points: I64, local_times: I64, bit: int) -> None:
        if not len(points):
            return
        d = (local_times - self.day0) // DAY
        ok = (d >= 0) & (d < self.n_days)
        hit = np.zeros(len(self.flags), dtype=bool)
        hit[points[ok] * self.n_days + d[ok]] = True
        self.flags[hit] |= bit


def _validate(
    site: Site,
    pidx: I64,
    utc_seconds: I64,
    values: F64,
    seq: I64,
    tolerance: int,
    days: _Days,
    detail: bool,
) -> Rows:
    """Steps 1-2: snap timestamps, drop off-grid ones, keep the last delivery of a period.

    Per-value flags and raw values are tracked only with ``detail`` (the validated series).
    Without them and without manual edits, two compiled passes do the work
    (``_kernels.snap``, ``_kernels.keep_last``).
    """
    if not detail and not site.edits and (len(seq) < 2 or bool(np.all(seq[1:] > seq[:-1]))):
        return _validate_compiled(site, pidx, utc_seconds, values, tolerance, days)
    step = np.array([p.interval_minutes * 60 for p in site.points], dtype=np.int64)
    edit_flag = np.zeros(len(pidx), dtype=np.int64)
    if site.edits:
        by_id = site.point_index()
        wanted = np.zeros(len(site.points), dtype=bool)
        wanted[pidx] = True
        extra = [e for e in site.edits if wanted[by_id[e.point]]]
        if extra:
            pidx = np.concatenate([pidx, np.array([by_id[e.point] for e in extra], np.int64)])
            utc_seconds = np.concatenate(
                [utc_seconds, np.array([int(e.time.timestamp()) for e in extra], np.int64)]
            )
            values = np.concatenate([values, np.array([e.value for e in extra], np.float64)])
            top = int(seq.max()) + 1 if len(seq) else 0
            seq = np.concatenate([seq, np.arange(top, top + len(extra), dtype=np.int64)])
            edit_flag = np.concatenate([edit_flag, np.full(len(extra), BIT["edited"], np.int64)])

    # 1. timestamps (one step for all points: no gather)
    local = utc_seconds + OFFSET
    st: I64 | int = int(step[0]) if bool(np.all(step == step[0])) else step[pidx]
    t_all = (local + st // 2) // st * st  # local seconds of the nearest period start
    off = local - t_all
    on_grid = np.abs(off) <= tolerance
    every = bool(on_grid.all())
    if not every:
        days.mark(pidx[~on_grid], local[~on_grid], BIT["time_off_grid"])
    snapped = on_grid & (off != 0)
    days.mark(pidx[snapped], local[snapped], BIT["time_snapped"])
    track = detail or bool(site.edits)  # per-row flags
    rf = np.where(snapped, BIT["time_snapped"], 0) | edit_flag if track else edit_flag

    # 2. duplicates: order by point, period, delivery; keep the last of each period
    take: I64 | None
    if len(seq) < 2 or bool(np.all(seq[1:] > seq[:-1])):
        # rows in delivery order: a stable sort on one (point, period) key, off-grid rows
        # last, gives the order of a stable sort of the on-grid rows (timsort is linear on
        # the usual input, already sorted by point and time); one gather serves both
        low = int(t_all.min()) if len(t_all) else 0
        key = pidx * ((int(t_all.max()) - low + 1) if len(t_all) else 1) + (t_all - low)
        if not every:
            key[~on_grid] = np.iinfo(np.int64).max
        if bool(np.all(key[1:] >= key[:-1])):
            take = None if every else np.flatnonzero(on_grid)
        else:
            take = np.argsort(key, kind="stable")[: int(on_grid.sum())]
    else:
        keep = np.flatnonzero(on_grid)
        take = keep[np.lexsort((seq[keep], t_all[keep], pidx[keep]))]
    if take is None:
        p, t, v = pidx, t_all, values
    else:
        p, t, v = pidx[take], t_all[take], values[take]
        rf = rf[take] if track else rf[: len(take)]
    last = np.ones(len(p), dtype=bool)
    if len(p) > 1:
        last[:-1] = (p[1:] != p[:-1]) | (t[1:] != t[:-1])
    raw = v
    if not last.all():
        # only the few rows that lose to a later delivery are looked at: each one's kept row
        # is the next row that is last of its period (same point and period, same day)
        kept_at = np.flatnonzero(last)
        losers = np.flatnonzero(~last)
        kept = kept_at[np.searchsorted(kept_at, losers)]
        days.mark(p[losers], t[losers], BIT["duplicate"])
        conflict = losers[v[losers] != v[kept]]
        days.mark(p[conflict], t[conflict], BIT["duplicate_conflict"])
        if detail:
            group_of = np.cumsum(last) - last  # index among the kept rows
            group_flags = np.zeros(len(kept_at), dtype=np.int64)
            group_flags[group_of[kept]] = BIT["duplicate"]
            group_flags[group_of[kept[v[losers] != v[kept]]]] |= BIT["duplicate_conflict"]
            # raw value: the last delivery that is not an edit (edits come after deliveries)
            delivered = np.where(rf & BIT["edited"], -1, np.arange(len(p)))
            latest = np.maximum.accumulate(delivered)[last]
            first_of_group = np.flatnonzero(np.r_[True, last[:-1]])
            raw = np.where(latest >= first_of_group, v[np.maximum(latest, 0)], np.nan)
            snapped_any = np.bitwise_or.reduceat(rf & BIT["time_snapped"], first_of_group)
            rf = rf[last] | group_flags | snapped_any
        else:
            rf = rf[last] if track else rf[: int(last.sum())]
        p, t, v = p[last], t[last], v[last]
    elif detail:
        raw = np.where(rf & BIT["edited"], np.nan, v)
    if track:
        edited = (rf & BIT["edited"]) > 0
        days.mark(p[edited], t[edited], BIT["edited"])
    else:
        rf = np.zeros(len(p), dtype=np.int64)
    state = _state_codes(site, p, t)
    return Rows(
        p=p,
        t=t,
        value=v,
        raw=raw,
        flags=rf,
        state=state,
        energy=np.zeros(len(p)),
        accepted=np.ones(len(p), dtype=bool),
        starts=_segments.starts_of(p, len(site.points)),
    )


def _validate_compiled(
    site: Site, pidx: I64, utc_seconds: I64, values: F64, tolerance: int, days: _Days
) -> Rows:
    """Steps 1-2 for rows in delivery order, without per-value flags (see ``_validate``)."""
    step = np.array([p.interval_minutes * 60 for p in site.points], dtype=np.int64)
    n = len(pidx)
    t_all = np.empty(n, dtype=np.int64)
    on_grid = np.empty(n, dtype=np.bool_)
    count, ordered = kernels().snap(
        pidx, utc_seconds, step, tolerance, days.day0, days.n_days, days.flags,
        BIT["time_off_grid"], BIT["time_snapped"], t_all, on_grid,
    )  # fmt: skip
    order = np.arange(n, dtype=np.int64) if count == n else np.flatnonzero(on_grid)
    if not ordered:  # a stable sort on (point, period) keeps the delivery order of a period
        low = int(t_all[order].min())
        key = pidx[order] * (int(t_all[order].max()) - low + 1) + (t_all[order] - low)
        order = order[np.argsort(key, kind="stable")]
    p = np.empty(count, dtype=np.int64)
    t = np.empty(count, dtype=np.int64)
    v = np.empty(count, dtype=np.float64)
    kept = kernels().keep_last(
        order, pidx, t_all, values, days.day0, days.n_days, days.flags,
        BIT["duplicate"], BIT["duplicate_conflict"], p, t, v,
    )  # fmt: skip
    p, t, v = p[:kept], t[:kept], v[:kept]
    return Rows(
        p=p,
        t=t,
        value=v,
        raw=v,
        flags=np.zeros(kept, dtype=np.int64),
        state=_state_codes(site, p, t),
        energy=np.zeros(kept),
        accepted=np.ones(kept, dtype=bool),
        starts=_segments.starts_of(p, len(site.points)),
    )


@dataclass
class _Grid:
    """Per (point, day) sums being built (flattened point * n_days + day)."""

    quantity: F64
    estimated: F64
    not_verified: F64
    unknown: F64
    valid: I64


def _intervals(
    site: Site, rows: Rows, days: _Days, grid: _Grid, rules: dict[str, Any], mult: F64,
    step: I64, max_per_hour: F64,
) -> tuple[F64, I64]:  # fmt: skip
    """Step 4 for all interval points at once (``_kernels.intervals``); returns the profile
    (flat, one value per period of the day of each interval point) and its offsets."""
    is_interval = np.array([pt.kind != "register" for pt in site.points], dtype=bool)
    per_day = np.where(is_interval, DAY // step, 0)
    offset = np.cumsum(per_day) - per_day
    profile = np.full(int(per_day.sum()), np.nan)
    bits = np.array([BIT["negative"], BIT["implausible"], BIT["spike"]], dtype=np.int64)
    kernels().intervals(
        rows.p, rows.t, rows.value, rows.state, rows.starts, np.flatnonzero(is_interval), mult,
        step, max_per_hour, float(rules["spike_factor"]), int(rules["spike_min_history"]),
        _NO_EXTRAPOLATION, days.day0, days.n_days, days.flags, bits, grid.quantity,
        grid.estimated, grid.not_verified, grid.unknown, grid.valid, rows.energy,
        rows.accepted, rows.flags, profile, offset,
    )  # fmt: skip
    return profile, offset


def _replacements(site: Site, p: I64, t: I64, v: F64, starts: I64) -> tuple[B, F64]:
    """Rows whose step crosses a declared meter replacement, and that step's register
    difference: (old final − previous reading) + (reading − new initial)."""
    at = np.zeros(len(p), dtype=bool)
    inc = np.zeros(len(p))
    for index, point in enumerate(site.points):
        if not point.replacements or point.kind != "register":
            continue
        a, b = int(starts[index]), int(starts[index + 1])
        for event in point.replacements:
            i = a + int(np.searchsorted(t[a:b], int(event.time.timestamp()) + OFFSET))
            if a < i < b:
                inc[i] = (event.old_final - v[i - 1]) + (v[i] - event.new_initial)
                at[i] = True
    return at, inc


def _registers(
    site: Site, rows: Rows, days: _Days, grid: _Grid, rules: dict[str, Any], mult: F64,
    step: I64, max_per_hour: F64,
) -> tuple[F64, F64]:  # fmt: skip
    """Step 3 for all register points at once (``_kernels.registers``, then the daily
    energy from the cumulative energy at each midnight); returns (cumulative energy, raw
    step) per row (zeros for interval rows)."""
    n_days, day0 = days.n_days, days.day0
    is_register = np.array([pt.kind == "register" for pt in site.points], dtype=bool)
    n = len(rows.p)
    cum, raw_step = np.zeros(n), np.zeros(n)
    p, t, v, starts = rows.p, rows.t, rows.value, rows.starts
    registers = np.flatnonzero(is_register)
    filled = registers[np.diff(starts)[registers] > 0]  # register points with readings
    if not len(filled):
        return cum, raw_step
    replaced_at, replaced_inc = _replacements(site, p, t, v, starts)
    rollover = np.array([np.nan if pt.rollover is None else pt.rollover for pt in site.points])
    modulus = np.array([np.nan if pt.modulus is None else pt.modulus for pt in site.points])
    bits = np.array(
        [BIT[name] for name in ("rollover", "register_restart", "implausible", "spike",
                                "meter_replaced")], dtype=np.int64
    )  # fmt: skip
    cum_nv, cum_uk = np.zeros(n), np.zeros(n)
    kernels().registers(
        p, t, v, rows.state, starts, registers, mult, step, max_per_hour, rollover, modulus,
        float(rules["rollover_band"]), replaced_at, replaced_inc, float(rules["spike_factor"]),
        int(rules["spike_min_history"]), day0, n_days, days.flags, grid.valid, bits,
        rows.energy, raw_step, rows.flags, cum, cum_nv, cum_uk,
    )  # fmt: skip
    inc = rows.energy
    # the cumulative energy at each midnight of the period
    bounds = np.arange(n_days + 1, dtype=np.int64) * DAY + day0
    qp = np.repeat(filled, n_days + 1)
    qt = np.tile(bounds, len(filled))
    at, jj, inner, frac = _segments.interpolation(p, t, starts, qp, qt)
    shape = (len(filled), n_days + 1)
    inner2, frac2 = inner.reshape(shape), frac.reshape(shape)
    cells = (filled[:, np.newaxis] * n_days + np.arange(n_days)).ravel()
    for target, c in ((grid.quantity, cum), (grid.not_verified, cum_nv), (grid.unknown, cum_uk)):
        target[cells] = np.diff(
            _segments.value_at(c, at, jj, inner, frac).reshape(shape), axis=1
        ).ravel()
    # a day whose start or end had to be interpolated holds an estimate: the share of the
    # step across the boundary that the interpolation gave it
    step_in = inc[jj].reshape(shape)
    from_start = np.where(inner2[:, :-1], step_in[:, :-1] * (1.0 - frac2[:, :-1]), 0.0)
    from_end = np.where(inner2[:, 1:], step_in[:, 1:] * frac2[:, 1:], 0.0)
    both = inner2[:, :-1] & inner2[:, 1:]
    only_end = ~inner2[:, :-1] & inner2[:, 1:]
    # the same additions, in the same order, as one day at a time from 0.0
    estimate = np.where(both, (0.0 + from_start) + from_end, 0.0 + from_start)
    estimate = np.where(only_end, 0.0 + from_end, estimate)
    grid.estimated[cells] = estimate.ravel()
    touched = (inner2[:, :-1] | inner2[:, 1:]).ravel()
    days.flags[cells[touched]] |= BIT["estimated"]
    return cum, raw_step


def _spans(rows: Rows, n_points: int) -> tuple[I64, I64]:
    """First and last period start of each point's readings (after validation)."""
    first = np.full(n_points, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n_points, np.iinfo(np.int64).min, dtype=np.int64)
    counts = np.diff(rows.starts)
    has = counts > 0
    first[has] = rows.t[rows.starts[:-1][has]]
    last[has] = rows.t[rows.starts[1:][has] - 1]
    return first, last


_NO_EXTRAPOLATION = True  # (False only to compare with the figures of before 2026-12-07)


def run(
    site: Site,
    pidx: I64,
    utc_seconds: I64,
    values: F64,
    seq: I64,
    rules: dict[str, Any] | None = None,
    *,
    detail: bool = False,
) -> tuple[DailyResult, Detail]:
    """The VEE of a partition: its daily figures and the validated rows behind them."""
    rules = rules or _data.vee_rules()
    n_points = len(site.points)
    n_days = len(site.days)
    days = _Days(n_points, n_days, _epoch(site.days[0]))
    rows = _validate(
        site, pidx, utc_seconds, values, seq, int(rules["timestamp_tolerance_s"]), days, detail
    )
    step = np.array([pt.interval_minutes * 60 for pt in site.points], dtype=np.int64)
    mult = np.array([pt.multiplier for pt in site.points], dtype=np.float64)
    max_per_hour = np.array(
        [np.nan if pt.max_per_hour is None else pt.max_per_hour for pt in site.points]
    )
    size = n_points * n_days
    grid = _Grid(np.zeros(size), np.zeros(size), np.zeros(size), np.zeros(size),
                 np.zeros(size, dtype=np.int64))  # fmt: skip
    cum, step_raw = _registers(site, rows, days, grid, rules, mult, step, max_per_hour)
    profile, offset = _intervals(site, rows, days, grid, rules, mult, step, max_per_hour)
    if detail:  # per-value flags (the daily ones come from the sums below)
        rows.flags[rows.state == NOT_VERIFIED] |= BIT["meter_not_verified"]
        rows.flags[rows.state == UNKNOWN] |= BIT["meter_state_unknown"]
    expected = np.repeat(DAY // step, n_days)
    complete = grid.valid / expected
    flags = days.flags
    flags[complete < float(rules["completeness_min"])] |= BIT["incomplete"]
    flags[grid.valid == 0] |= BIT["no_data"]
    flags[grid.estimated > 0] |= BIT["estimated"]
    flags[grid.not_verified > 0] |= BIT["meter_not_verified"]
    flags[grid.unknown > 0] |= BIT["meter_state_unknown"]
    result = DailyResult(
        point=np.repeat(np.arange(n_points, dtype=np.int64), n_days),
        day=np.tile(np.arange(n_days, dtype=np.int64), n_points),
        quantity=grid.quantity,
        estimated=grid.estimated,
        not_verified=grid.not_verified,
        unknown=grid.unknown,
        valid=grid.valid,
        expected=expected,
        flags=flags,
    )
    return result, Detail(rows, profile, offset, cum, step_raw)


def evaluate_partition(
    site: Site,
    pidx: I64,
    utc_seconds: I64,
    values: F64,
    seq: I64,
    rules: dict[str, Any] | None = None,
) -> DailyResult:
    """Validate the readings of whole points and compute their daily energy.

    ``pidx`` indexes ``site.points``; ``utc_seconds`` are period starts (epoch seconds);
    ``seq`` is the delivery order (later wins among duplicates). Points with no reading
    still get their days (``no_data``); days before a point's first reading and after its
    last hold no estimate.
    """
    return run(site, pidx, utc_seconds, values, seq, rules)[0]
