"""Calibration intervals: RP-1 A3 published case, S2 and the variables method."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from jiliang.stats import (
    BinnedReliability,
    StatsInputError,
    interval_a3,
    interval_s2,
    interval_variables,
    read_s2_csv,
)

# NCSLI RP-1 Method A3, published case of the 2019 NCSL International tutorial (issue #5):
# 20 results at I0 = 365 days, target 0.95 -> new interval 231 days, rejection conf. 0.995.
A3_RESULTS = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0]


def test_a3_published_case() -> None:
    res = interval_a3(A3_RESULTS, 365, 0.95)
    assert res.interval == 231
    assert round(res.rejection_confidence, 3) == 0.995
    assert res.observed_reliability == 15 / 20
    assert res.changed
    lo, hi = res.reliability_range
    assert lo < 0.75 < hi


def test_a3_keeps_interval_when_not_confident() -> None:
    # 19/20 at target 0.95: observed equals target, nothing to reject.
    res = interval_a3([1] * 19 + [0], 365, 0.95)
    assert res.rejection_confidence == 0.0
    assert res.interval == 365 and not res.changed


def test_a3_lengthens_when_reliability_is_high() -> None:
    res = interval_a3([1] * 40, 180, 0.8)
    assert res.changed and res.interval > 180
    assert res.interval <= 2 * 180  # RP-1 change factor limit


def test_a3_bad_input() -> None:
    with pytest.raises(StatsInputError) as err:
        interval_a3([1, 2], 365, 0.95)
    assert err.value.field == "results"
    with pytest.raises(StatsInputError):
        interval_a3([1, 0], 365, 1.5)
    with pytest.raises(StatsInputError):
        interval_a3([], 365, 0.9)


def _exponential_bins(theta: float, n: int = 400) -> BinnedReliability:
    t = (60.0, 120.0, 180.0, 240.0, 300.0, 360.0, 420.0, 480.0)
    r = tuple(round(math.exp(-theta * ti) * n) / n for ti in t)
    return BinnedReliability(t, (n,) * len(t), r)


def test_s2_recovers_exponential_interval() -> None:
    # Observed reliabilities equal to exp(-t/900) (to 1/400): every accepted model must
    # put R(t) = 0.9 near t = 900 ln(1/0.9) = 94.8 days (RP-1 D-25 inverse).
    data = _exponential_bins(1 / 900)
    res = interval_s2(data, 0.9)
    assert res.best_model is not None and res.interval is not None
    assert res.interval == pytest.approx(900 * math.log(1 / 0.9), rel=0.03)
    names = {m.model for m in res.models}
    assert len(names) == 10
    exp_fit = next(m for m in res.models if m.model == "exponential")
    assert exp_fit.accepted
    assert exp_fit.theta[0] == pytest.approx(1 / 900, rel=0.02)
    for m in res.models:
        if m.interval is not None:
            assert float(m.reliability(m.interval)) == pytest.approx(0.9, abs=1e-6)
    # RP-1 D-29 band: contains the interval, and the true one for the true model
    lo, hi = exp_fit.interval_range
    assert lo is not None and hi is not None and exp_fit.interval is not None
    assert lo < exp_fit.interval < hi
    assert lo < 900 * math.log(1 / 0.9) < hi


def test_s2_band_narrows_with_more_data() -> None:
    small = interval_s2(_exponential_bins(1 / 900, n=100), 0.9)
    large = interval_s2(_exponential_bins(1 / 900, n=2000), 0.9)
    lo_s, hi_s = next(m for m in small.models if m.model == "exponential").interval_range
    lo_l, hi_l = next(m for m in large.models if m.model == "exponential").interval_range
    assert None not in (lo_s, hi_s, lo_l, hi_l)
    assert (hi_l or 0.0) - (lo_l or 0.0) < (hi_s or 0.0) - (lo_s or 0.0)


def test_s2_degenerate_data_is_refused() -> None:
    for r in ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0)):
        data = BinnedReliability((100.0, 200.0, 300.0), (10, 10, 10), r)
        with pytest.raises(StatsInputError) as err:
            interval_s2(data, 0.9)
        assert err.value.field == "observed_reliability"


def test_s2_csv(tmp_path: Path) -> None:
    f = tmp_path / "s2.csv"
    f.write_text("t,n,observed_reliability\n90,30,0.97\n180,30,0.9\n270,25,0.84\n360,20,0.75\n")
    data = read_s2_csv(f)
    assert data.t == (90.0, 180.0, 270.0, 360.0) and data.n == (30, 30, 25, 20)
    bad = tmp_path / "bad.csv"
    bad.write_text("t,n,observed_reliability\n90,30,0.97\n80,30,0.9\n")
    with pytest.raises(StatsInputError) as err:
        read_s2_csv(bad)
    assert (err.value.row, err.value.field) == (3, "t")


def test_variables_noise_free_line_meets_limit_analytically() -> None:
    # drift 0.01 per day from 0: an exact line (s = 0) reaches +2.0 at t = 200 days.
    t = [0.0, 50.0, 100.0, 150.0]
    y = [0.01 * v for v in t]
    res = interval_variables(t, y, lower_limit=-2.0, upper_limit=2.0)
    assert res.slope == pytest.approx(0.01) and res.s == pytest.approx(0.0, abs=1e-15)
    assert res.interval == pytest.approx(200.0, rel=1e-9)
    assert res.limit_reached == "upper"


def test_variables_prediction_band_shortens_interval() -> None:
    rng = np.random.default_rng(1)
    t = np.linspace(0, 300, 25)
    y = -0.004 * t + rng.normal(0, 0.1, t.size)
    r90 = interval_variables(t, y, lower_limit=-2.0, upper_limit=2.0, confidence=0.90)
    r99 = interval_variables(t, y, lower_limit=-2.0, upper_limit=2.0, confidence=0.99)
    assert r90.limit_reached == "lower"
    assert r90.interval is not None and r99.interval is not None
    assert r99.interval < r90.interval < 2.0 / 0.004
    lo, _ = r90.prediction_bounds(r90.interval)
    assert float(lo) == pytest.approx(-2.0, abs=1e-6)


def test_variables_bad_input() -> None:
    with pytest.raises(StatsInputError):
        interval_variables([1, 1, 1], [0, 0, 0], lower_limit=-1, upper_limit=1)
    with pytest.raises(StatsInputError):
        interval_variables([1, 2], [0, 0], lower_limit=-1, upper_limit=1)
    with pytest.raises(StatsInputError):
        interval_variables([1, 2, 3], [0, 0, 0], lower_limit=1, upper_limit=-1)
