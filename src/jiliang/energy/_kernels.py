"""The VEE's per-row loops, compiled with numba (one pass over the rows instead of tens of
numpy passes, each with its temporary arrays).

Each kernel does, for every row, the same floating-point operations in the same order as the
numpy expressions it replaced (differences, products, sums in row order, medians as the
middle value or the mean of the two middle values), so a point's figures still depend only
on its own readings and every engine gives identical numbers. The kernels release the GIL:
the embedded engine runs slices of points on several threads. Compiled code is cached on
disk (numba ``cache=True``), so only the first run on a machine pays the compilation.

Day flags are marked in a flat (point × day) grid of bit masks, as ``_Days.mark`` does: a
time outside the period marks nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

DAY = 86_400
OFFSET = 8 * 3600  # China Standard Time


def _compiled[Fn: Callable[..., Any]](function: Fn) -> Fn:
    """numba's njit without the GIL, cached on disk (numba has no type hints)."""
    return cast(Fn, numba.njit(cache=True, nogil=True)(function))


@_compiled
def _mark(flags: I64, n_days: int, day0: int, point: int, local: int, bit: int) -> None:
    d = (local - day0) // DAY
    if 0 <= d < n_days:
        flags[point * n_days + d] |= bit


@_compiled
def snap(
    pidx: I64, utc_seconds: I64, step: I64, tolerance: int, day0: int, n_days: int,
    day_flags: I64, bit_off: int, bit_snapped: int, t_out: I64, on_grid: B,
) -> tuple[int, bool]:  # fmt: skip
    """Step 1: each row's period start (local seconds), rounded to the nearest one.

    ``utc_seconds`` are epoch seconds of the readings. A row within
    ±``tolerance`` s of its period start is on the grid (``time_snapped`` on its day when it
    was off), beyond that ``time_off_grid``. Returns (rows on the grid, whether those rows
    are already in (point, period) order).
    """
    n = len(pidx)
    count = 0
    ordered = True
    last_p = -1
    last_t = 0
    for i in range(n):
        p = pidx[i]
        local = utc_seconds[i] + OFFSET
        st = step[p]
        t = (local + st // 2) // st * st
        t_out[i] = t
        off = local - t
        if abs(off) <= tolerance:
            on_grid[i] = True
            count += 1
            if off != 0:
                _mark(day_flags, n_days, day0, p, local, bit_snapped)
            if p < last_p or (p == last_p and t < last_t):
                ordered = False
            last_p = p
            last_t = t
        else:
            on_grid[i] = False
            _mark(day_flags, n_days, day0, p, local, bit_off)
    return count, ordered


@_compiled
def keep_last(
    order: I64, pidx: I64, t_all: I64, values: F64, day0: int, n_days: int,
    day_flags: I64, bit_duplicate: int, bit_conflict: int,
    p_out: I64, t_out: I64, v_out: F64,
) -> int:  # fmt: skip
    """Step 2 over rows in (point, period, delivery) order: keep the last delivery of each
    period; the others are ``duplicate`` (``duplicate_conflict`` when their value differs
    from the kept one). Returns the number of rows kept (written to the outputs)."""
    n = len(order)
    kept = 0
    i = 0
    while i < n:
        j = i
        a = order[i]
        while j + 1 < n and pidx[order[j + 1]] == pidx[a] and t_all[order[j + 1]] == t_all[a]:
            j += 1
        last = order[j]
        for k in range(i, j):
            row = order[k]
            _mark(day_flags, n_days, day0, pidx[row], t_all[row], bit_duplicate)
            if values[row] != values[last]:
                _mark(day_flags, n_days, day0, pidx[row], t_all[row], bit_conflict)
        p_out[kept] = pidx[last]
        t_out[kept] = t_all[last]
        v_out[kept] = values[last]
        kept += 1
        i = j + 1
    return kept


@_compiled
def _longest(starts: I64, points: I64) -> int:
    """The most rows any of ``points`` has."""
    most = 0
    for point in points:
        most = max(most, starts[point + 1] - starts[point])
    return most


@_compiled
def _median(buffer: F64, count: int) -> float:
    """``np.median`` of buffer[:count] (by selection, not a full sort): the middle value or
    the mean of the two middle values, as numpy takes them."""
    middle: float = np.median(buffer[:count])
    return middle


@_compiled
def registers(
    p: I64, t: I64, v: F64, state: I64, starts: I64, points: I64,
    mult: F64, step: I64, max_per_hour: F64, rollover: F64, modulus: F64, band: float,
    replaced_at: B, replaced_inc: F64, spike_factor: float, spike_min_history: int,
    day0: int, n_days: int, day_flags: I64, valid: I64, bits: I64,
    energy: F64, raw_step: F64, flags: I64, cum: F64, cum_nv: F64, cum_uk: F64,
) -> None:  # fmt: skip
    """Step 3 for the register ``points`` (point ``i`` holds rows ``starts[i]:starts[i + 1]``
    of arrays sorted by point and period): energy of each step (difference of registers; a
    replacement's step from ``replaced_inc``; a rollover across the modulus; another restart
    counts 0), implausible steps and spikes against the point's median positive rate, the
    cumulative energy (all, while not verified, while the state was unknown; a step is in
    the state at its start) and valid readings per day.

    ``bits``: rollover, register_restart, implausible, spike, meter_replaced. ``state``
    codes: 0 verified, 1 unknown, 2 not verified.
    """
    bit_roll, bit_restart, bit_high, bit_spike, bit_replaced = (
        bits[0],
        bits[1],
        bits[2],
        bits[3],
        bits[4],
    )
    rates = np.empty(_longest(starts, points))
    for point in points:
        a, b = starts[point], starts[point + 1]
        if a == b:
            continue
        m = mult[point]
        st = step[point]
        limit = max_per_hour[point] * (st // 60) / 60.0
        positive = 0
        day_end = np.int64(-(2**62))  # end of the day of the previous reading
        d = 0
        for i in range(a, b):
            if t[i] >= day_end or t[i] < day_end - DAY:
                d = (t[i] - day0) // DAY
                day_end = day0 + (d + 1) * DAY
            if 0 <= d < n_days:
                valid[point * n_days + d] += 1
            if i == a:
                raw_step[i] = 0.0
                energy[i] = 0.0 * m
                continue
            if replaced_at[i]:
                inc = replaced_inc[i]
                _flag_step(day_flags, n_days, day0, point, t[i - 1], t[i], flags, i, bit_replaced)
            else:
                inc = v[i] - v[i - 1]
                if inc < 0:
                    prev, cur = v[i - 1], v[i]
                    top = rollover[point]
                    if (
                        not np.isnan(modulus[point])
                        and prev >= top * (1.0 - band)
                        and cur <= top * band
                    ):
                        inc = modulus[point] - prev + cur
                        _flag_step(
                            day_flags, n_days, day0, point, t[i - 1], t[i], flags, i, bit_roll
                        )
                    else:
                        inc = 0.0
                        _flag_step(
                            day_flags, n_days, day0, point, t[i - 1], t[i], flags, i, bit_restart
                        )
            raw_step[i] = inc
            e = inc * m
            energy[i] = e
            gap = t[i] - t[i - 1]
            periods = 1 if gap == st else gap // st
            rate = e / max(periods, 1)
            if rate > limit:
                _flag_step(day_flags, n_days, day0, point, t[i - 1], t[i], flags, i, bit_high)
            if rate > 0:
                rates[positive] = rate
                positive += 1
        if positive > 0 and positive >= spike_min_history:
            median = _median(rates, positive)
            for i in range(a + 1, b):
                gap = t[i] - t[i - 1]
                periods = 1 if gap == st else gap // st
                if energy[i] / max(periods, 1) > spike_factor * median:
                    _flag_step(day_flags, n_days, day0, point, t[i - 1], t[i], flags, i, bit_spike)
        # cumulative energy from 0 at the first reading; a step's state is the one at its start
        c = energy[a]
        c_nv = energy[a] if state[a] == 2 else 0.0
        c_uk = energy[a] if state[a] == 1 else 0.0
        cum[a], cum_nv[a], cum_uk[a] = c, c_nv, c_uk
        for i in range(a + 1, b):
            e = energy[i]
            c = c + e
            c_nv = c_nv + (e if state[i - 1] == 2 else 0.0)
            c_uk = c_uk + (e if state[i - 1] == 1 else 0.0)
            cum[i], cum_nv[i], cum_uk[i] = c, c_nv, c_uk


@_compiled
def _flag_step(
    day_flags: I64, n_days: int, day0: int, point: int, before: int, at: int,
    flags: I64, i: int, bit: int,
) -> None:  # fmt: skip
    """A step (before, at] belongs to the days of its start and of its last second."""
    _mark(day_flags, n_days, day0, point, before, bit)
    _mark(day_flags, n_days, day0, point, at - 1, bit)
    flags[i] |= bit


@_compiled
def intervals(
    p: I64, t: I64, v: F64, state: I64, starts: I64, points: I64,
    mult: F64, step: I64, max_per_hour: F64, spike_factor: float, spike_min_history: int,
    no_extrapolation: bool, day0: int, n_days: int, day_flags: I64, bits: I64,
    quantity: F64, estimated: F64, not_verified: F64, unknown: F64, valid: I64,
    energy: F64, accepted: B, flags: I64, profile: F64, profile_offset: I64,
) -> None:  # fmt: skip
    """Step 4 for the interval ``points`` (rows as in ``registers``): negative and implausible values
    rejected, spikes against the point's median energy flagged (kept), sums per day, the
    profile (mean energy of each period of the day) and the fill of the missing periods
    between the point's first and last reading.

    ``bits``: negative, implausible, spike. ``profile`` gets, from ``profile_offset[point]``,
    one value per period of the day (NaN: the point has no valid reading).
    """
    bit_neg, bit_high, bit_spike = bits[0], bits[1], bits[2]
    goods = np.empty(_longest(starts, points))
    for point in points:
        a, b = starts[point], starts[point + 1]
        if a == b:
            continue
        m = mult[point]
        st = step[point]
        ceiling = max_per_hour[point] * st / 3600.0
        n_good = 0
        for i in range(a, b):
            value = v[i]
            e = value * m
            energy[i] = e
            f = 0
            if value < 0:
                f |= bit_neg
                _mark(day_flags, n_days, day0, point, t[i], bit_neg)
            if e > ceiling:
                f |= bit_high
                _mark(day_flags, n_days, day0, point, t[i], bit_high)
            flags[i] |= f
            accepted[i] = f == 0
            d = (t[i] - day0) // DAY
            if f == 0 and 0 <= d < n_days:
                goods[n_good] = e
                n_good += 1
        judged = False
        median = np.nan
        if n_good > 0:
            median = _median(goods, n_good)
            judged = n_good >= spike_min_history and median > 0
        w = DAY // st
        sums = np.zeros(w)
        counts = np.zeros(w, dtype=np.int64)
        present = np.zeros(n_days * w, dtype=np.bool_)
        for i in range(a, b):
            d = (t[i] - day0) // DAY
            if not accepted[i] or d < 0 or d >= n_days:
                continue
            e = energy[i]
            if judged and e > spike_factor * median:
                flags[i] |= bit_spike
                _mark(day_flags, n_days, day0, point, t[i], bit_spike)
            cell = point * n_days + d
            quantity[cell] += e
            valid[cell] += 1
            if state[i] == 2:
                not_verified[cell] += e
            elif state[i] == 1:
                unknown[cell] += e
            slot = ((t[i] - day0) % DAY) // st
            sums[slot] += e
            counts[slot] += 1
            present[d * w + slot] = True
        base = profile_offset[point]
        if n_good == 0:
            for slot in range(w):
                profile[base + slot] = np.nan
            continue
        mean_all = _pairwise(sums, w) / n_good
        for slot in range(w):
            profile[base + slot] = sums[slot] / counts[slot] if counts[slot] > 0 else mean_all
        first, last = t[a], t[b - 1]
        for d in range(n_days):
            fill = np.zeros(w)
            for slot in range(w):
                start = day0 + d * DAY + slot * st
                outside = start < first or start > last
                if not present[d * w + slot] and not (outside and no_extrapolation):
                    fill[slot] = profile[base + slot]
            total = _pairwise(fill, w)
            cell = point * n_days + d
            estimated[cell] = total
            quantity[cell] += total


@_compiled
def _pairwise(x: F64, n: int) -> float:
    """The sum of x[:n] in numpy's order (pairwise: 8 running sums per block of 128, then
    halves), so a profile sum equals ``numpy.sum`` of the same values bit for bit."""
    total: float
    if n < 8:
        total = -0.0
        for i in range(n):
            total += x[i]
        return total
    if n <= 128:
        r0, r1, r2, r3 = x[0], x[1], x[2], x[3]
        r4, r5, r6, r7 = x[4], x[5], x[6], x[7]
        i = 8
        while i < n - (n % 8):
            r0 += x[i]
            r1 += x[i + 1]
            r2 += x[i + 2]
            r3 += x[i + 3]
            r4 += x[i + 4]
            r5 += x[i + 5]
            r6 += x[i + 6]
            r7 += x[i + 7]
            i += 8
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            total += x[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(x, half) + _pairwise(x[half:], n - half)
