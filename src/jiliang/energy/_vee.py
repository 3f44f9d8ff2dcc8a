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
   as ``estimated``;
5. spikes against the point's own median step (``spike``, kept), completeness per day
   (``incomplete`` below the threshold, ``no_data`` when none), legal state of the meter
   (``meter_not_verified``, ``meter_state_unknown``) with the energy measured in each state.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jiliang.energy import _data
from jiliang.energy._site import Site

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

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


def _state_codes(site: Site, pidx: I64, local: I64) -> I64:
    """Legal state code (VERIFIED/UNKNOWN/NOT_VERIFIED) of each (point, local time)."""
    codes = np.full(len(pidx), UNKNOWN, dtype=np.int64)
    for index, point in enumerate(site.points):
        if not point.legal:
            continue
        sel = np.flatnonzero(pidx == index)
        if not len(sel):
            continue
        times = local[sel]
        for interval in point.legal:
            start = int(interval.start.timestamp()) + OFFSET
            end = (
                np.iinfo(np.int64).max
                if interval.end is None
                else int(interval.end.timestamp()) + OFFSET
            )
            inside = (times >= start) & (times < end)
            codes[sel[inside]] = VERIFIED if interval.state == "verified" else NOT_VERIFIED
    return codes


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
    still get their days (``no_data``).
    """
    rules = rules or _data.vee_rules()
    tolerance = int(rules["timestamp_tolerance_s"])
    n_points = len(site.points)
    days = site.days
    n_days = len(days)
    day0 = _epoch(days[0])
    step = np.array([p.interval_minutes * 60 for p in site.points], dtype=np.int64)
    mult = np.array([p.multiplier for p in site.points], dtype=np.float64)
    is_register = np.array([p.kind == "register" for p in site.points], dtype=bool)

    # manual edits: appended after every delivery, so they win the duplicate rule
    edit_flag = np.zeros(len(pidx), dtype=np.int64)
    if site.edits:
        by_id = site.point_index()
        wanted = set(np.unique(pidx).tolist()) if len(pidx) else set()
        extra = [e for e in site.edits if by_id[e.point] in wanted]
        if extra:
            pidx = np.concatenate([pidx, np.array([by_id[e.point] for e in extra], np.int64)])
            utc_seconds = np.concatenate(
                [utc_seconds, np.array([int(e.time.timestamp()) for e in extra], np.int64)]
            )
            values = np.concatenate([values, np.array([e.value for e in extra], np.float64)])
            top = int(seq.max()) + 1 if len(seq) else 0
            seq = np.concatenate([seq, np.arange(top, top + len(extra), dtype=np.int64)])
            edit_flag = np.concatenate([edit_flag, np.full(len(extra), BIT["edited"], np.int64)])

    day_flags = np.zeros(n_points * n_days, dtype=np.int64)

    def mark(points: I64, local_times: I64, bit: int) -> None:
        d = (local_times - day0) // DAY
        ok = (d >= 0) & (d < n_days)
        np.bitwise_or.at(day_flags, points[ok] * n_days + d[ok], bit)

    # 1. timestamps
    local = utc_seconds + OFFSET
    st = step[pidx]
    slot = (local + st // 2) // st
    off = local - slot * st
    on_grid = np.abs(off) <= tolerance
    mark(pidx[~on_grid], local[~on_grid], BIT["time_off_grid"])
    snapped = on_grid & (off != 0)
    mark(pidx[snapped], local[snapped], BIT["time_snapped"])
    keep = np.flatnonzero(on_grid)
    p, s, v, q, ef = pidx[keep], slot[keep], values[keep], seq[keep], edit_flag[keep]
    t = s * step[p]  # local seconds of the period start

    # 2. duplicates: sort by point, period, delivery; keep the last of each period
    if len(q) < 2 or bool(np.all(q[1:] > q[:-1])):
        # rows in delivery order: a stable sort on one (point, period) key is the same order
        # and timsort is linear on the usual input (already sorted by point and time)
        span = t - int(t.min()) if len(t) else t
        key = p * (int(span.max()) + 1 if len(t) else 1) + span
        order = np.argsort(key, kind="stable")
    else:
        order = np.lexsort((q, t, p))
    p, t, v, ef = p[order], t[order], v[order], ef[order]
    last = np.ones(len(p), dtype=bool)
    if len(p) > 1:
        last[:-1] = (p[1:] != p[:-1]) | (t[1:] != t[:-1])
    if not last.all():
        group = np.cumsum(np.r_[True, last[:-1]]) - 1  # group number of each row
        size = np.bincount(group)
        kept_value = v[last][group]
        dup = size[group] > 1
        mark(p[dup], t[dup], BIT["duplicate"])
        conflict = dup & (v != kept_value)
        mark(p[conflict], t[conflict], BIT["duplicate_conflict"])
    p, t, v, ef = p[last], t[last], v[last], ef[last]
    mark(p[ef > 0], t[ef > 0], BIT["edited"])
    state = _state_codes(site, p, t)

    quantity = np.zeros(n_points * n_days)
    estimated = np.zeros(n_points * n_days)
    not_verified = np.zeros(n_points * n_days)
    unknown = np.zeros(n_points * n_days)
    valid = np.zeros(n_points * n_days, dtype=np.int64)
    spike_factor = float(rules["spike_factor"])
    spike_history = int(rules["spike_min_history"])
    band = float(rules["rollover_band"])

    d_all = (t - day0) // DAY
    in_period = (d_all >= 0) & (d_all < n_days)
    bounds = np.arange(n_days + 1, dtype=np.int64) * DAY + day0
    starts = np.searchsorted(p, np.arange(n_points + 1))
    for index, point in enumerate(site.points):
        a, b = int(starts[index]), int(starts[index + 1])
        base = index * n_days
        pt, pv, ps = t[a:b], v[a:b], state[a:b]
        sel = in_period[a:b]
        valid_days = d_all[a:b][sel]
        if is_register[index]:
            _register(point, index, pt, pv, ps, mult[index], bounds, base, n_days, day0,
                      band, spike_factor, spike_history, quantity, estimated, not_verified,
                      unknown, day_flags)  # fmt: skip
            valid[base : base + n_days] += np.bincount(valid_days, minlength=n_days)
        else:
            ok = np.ones(len(pv), dtype=bool)
            neg = pv < 0
            ok &= ~neg
            mark(np.full(int(neg.sum()), index, np.int64), pt[neg], BIT["negative"])
            if point.max_per_hour is not None:
                high = pv * mult[index] > point.max_per_hour * step[index] / 3600.0
                mark(np.full(int(high.sum()), index, np.int64), pt[high], BIT["implausible"])
                ok &= ~high
            energy = pv * mult[index]
            good = ok & sel
            if good.sum() >= spike_history:
                median = float(np.median(energy[good]))
                if median > 0:
                    spike = good & (energy > spike_factor * median)
                    mark(np.full(int(spike.sum()), index, np.int64), pt[spike], BIT["spike"])
            gd = d_all[a:b][good]
            quantity[base : base + n_days] += np.bincount(gd, energy[good], minlength=n_days)
            valid[base : base + n_days] += np.bincount(gd, minlength=n_days)
            nv = good & (ps == NOT_VERIFIED)
            not_verified[base : base + n_days] += np.bincount(
                d_all[a:b][nv], energy[nv], minlength=n_days
            )
            uk = good & (ps == UNKNOWN)
            unknown[base : base + n_days] += np.bincount(
                d_all[a:b][uk], energy[uk], minlength=n_days
            )
            # profile fill: mean energy of the same period of the day over the period
            per_day = DAY // int(step[index])
            sod = ((pt[good] - day0) % DAY) // int(step[index])
            sums = np.bincount(sod, weights=energy[good], minlength=per_day)
            counts = np.bincount(sod, minlength=per_day)
            if counts.sum():
                mean_all = float(sums.sum() / counts.sum())
                profile = np.where(counts > 0, sums / np.maximum(counts, 1), mean_all)
                present = np.zeros((n_days, per_day), dtype=bool)
                present[gd, sod] = True
                fill = np.where(present, 0.0, profile[np.newaxis, :]).sum(axis=1)
                estimated[base : base + n_days] = fill
                quantity[base : base + n_days] += fill
    expected = np.repeat(DAY // step, n_days)
    complete = valid / expected
    min_complete = float(rules["completeness_min"])
    day_flags[complete < min_complete] |= BIT["incomplete"]
    day_flags[valid == 0] |= BIT["no_data"]
    day_flags[estimated > 0] |= BIT["estimated"]
    day_flags[not_verified > 0] |= BIT["meter_not_verified"]
    day_flags[unknown > 0] |= BIT["meter_state_unknown"]
    return DailyResult(
        point=np.repeat(np.arange(n_points, dtype=np.int64), n_days),
        day=np.tile(np.arange(n_days, dtype=np.int64), n_points),
        quantity=quantity,
        estimated=estimated,
        not_verified=not_verified,
        unknown=unknown,
        valid=valid,
        expected=expected,
        flags=day_flags,
    )


def _register(
    point: Any,
    index: int,
    pt: I64,
    pv: F64,
    ps: I64,
    mult: float,
    bounds: I64,
    base: int,
    n_days: int,
    day0: int,
    band: float,
    spike_factor: float,
    spike_history: int,
    quantity: F64,
    estimated: F64,
    not_verified: F64,
    unknown: F64,
    day_flags: I64,
) -> None:
    """Daily energy of one register point from its validated readings (sorted by time)."""
    n = len(pt)
    if n == 0:
        return

    def flag_step(i: int, bit: int) -> None:
        # a step (pt[i-1], pt[i]] belongs to the days of its start and of its last second
        for when in (pt[i - 1], pt[i] - 1):
            d = (int(when) - day0) // DAY
            if 0 <= d < n_days:
                day_flags[base + d] |= bit

    inc = np.zeros(n)
    if n > 1:
        inc[1:] = np.diff(pv)
    handled = np.zeros(n, dtype=bool)
    handled[0] = True
    for event in point.replacements:
        when = int(event.time.timestamp()) + OFFSET
        i = int(np.searchsorted(pt, when))
        if 0 < i < n:
            inc[i] = (event.old_final - pv[i - 1]) + (pv[i] - event.new_initial)
            handled[i] = True
            flag_step(i, BIT["meter_replaced"])
    modulus = point.modulus
    for found in np.flatnonzero((inc < 0) & ~handled):
        i = int(found)
        prev, cur = float(pv[i - 1]), float(pv[i])
        if (
            modulus is not None
            and prev >= point.rollover * (1.0 - band)
            and cur <= point.rollover * band
        ):
            inc[i] = modulus - prev + cur
            flag_step(int(i), BIT["rollover"])
        else:
            inc[i] = 0.0
            flag_step(int(i), BIT["register_restart"])
    inc *= mult
    if n > 1:
        periods = np.diff(pt) // (point.interval_minutes * 60)
        rate = inc[1:] / np.maximum(periods, 1)
        if point.max_per_hour is not None:
            limit = point.max_per_hour * point.interval_minutes / 60.0
            for found in np.flatnonzero(rate > limit):
                flag_step(int(found) + 1, BIT["implausible"])
        positive = rate[rate > 0]
        if len(positive) >= spike_history:
            median = float(np.median(positive))
            for found in np.flatnonzero(rate > spike_factor * median):
                flag_step(int(found) + 1, BIT["spike"])
    # energy of a step is in the legal state of the meter at the step's start
    prev_state = np.r_[ps[:1], ps[:-1]]
    cum = np.cumsum(inc)
    cum_nv = np.cumsum(np.where(prev_state == NOT_VERIFIED, inc, 0.0))
    cum_uk = np.cumsum(np.where(prev_state == UNKNOWN, inc, 0.0))
    j = np.searchsorted(pt, bounds)
    exact = (j < n) & (pt[np.minimum(j, n - 1)] == bounds)
    inner = (j > 0) & (j < n) & ~exact
    jj = np.clip(j, 1, n - 1) if n > 1 else np.zeros_like(j)
    frac = np.zeros(len(bounds))
    if n > 1:
        span = (pt[jj] - pt[jj - 1]).astype(np.float64)
        frac = np.where(inner, (bounds - pt[jj - 1]) / span, 0.0)
    at = np.clip(np.where(exact, j, np.where(j >= n, n - 1, np.where(j == 0, 0, j - 1))), 0, n - 1)

    def value_at(c: F64) -> F64:
        out = c[at].copy()
        if n > 1:
            out = np.where(inner, c[jj - 1] + frac * (c[jj] - c[jj - 1]), out)
        return out

    c0, c_nv, c_uk = value_at(cum), value_at(cum_nv), value_at(cum_uk)
    quantity[base : base + n_days] = np.diff(c0)
    not_verified[base : base + n_days] = np.diff(c_nv)
    unknown[base : base + n_days] = np.diff(c_uk)
    # a day whose start or end had to be interpolated holds an estimate: the share of the
    # step across the boundary that the interpolation gave it
    for k in np.flatnonzero(inner):
        for d in (k - 1, k):
            if 0 <= d < n_days:
                day_flags[base + d] |= BIT["estimated"]
                share = frac[k] if d == k - 1 else 1.0 - frac[k]
                estimated[base + d] += float(inc[jj[k]]) * float(share)
