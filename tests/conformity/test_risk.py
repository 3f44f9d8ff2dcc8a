"""Specific and global risks against published values."""

import math

import pytest

from jiliang.conformity import (
    ConformityError,
    DecisionRule,
    Tolerance,
    conformance_probability,
    global_risk,
    specific_risk,
)


def test_deaver_case_pfa_and_pfr() -> None:
    # D. Deaver, "Managing calibration confidence in the real world", NCSL Workshop &
    # Symposium 1995: process σ = 4, test σ = 1, limits ±8 (2σ spec, TUR 4:1 at 2σ)
    # gives a false-accept risk of about 0.8 % and a false-reject risk of about 1.5 %.
    # The paper quotes one significant figure after the percent point; compare at that precision.
    risk = global_risk(0, 4, 1, Tolerance.symmetric(0, 8))
    assert risk.false_accept == pytest.approx(0.008, abs=0.0005)
    assert risk.false_reject == pytest.approx(0.015, abs=0.0005)


def test_guard_band_trades_false_accept_for_false_reject() -> None:
    # JCGM 106:2012 9.5 / Fig. 15: guarded acceptance lowers R_C and raises R_P.
    tol = Tolerance.symmetric(0, 8)
    zone = DecisionRule.guarded_acceptance().acceptance_zone(tol, 2)  # U = 2σ_m
    assert zone is not None
    guarded = global_risk(0, 4, 1, tol, zone)
    plain = global_risk(0, 4, 1, tol)
    assert guarded.false_accept < plain.false_accept
    assert guarded.false_reject > plain.false_reject


def test_specific_risk_on_the_limit_is_one_half() -> None:
    # JCGM 106:2012 7.3 (normal PDF): a result on a tolerance limit has p_c = 50 %.
    tol = Tolerance.upper_only(10)
    assert specific_risk(10, 0.3, tol) == pytest.approx(0.5, abs=1e-15)
    assert conformance_probability(10, 0.3, tol) == pytest.approx(0.5, abs=1e-15)


def test_guarded_acceptance_w_equals_u_bounds_specific_risk() -> None:
    # ILAC-G8:2019 4.2.2: with w = U (k = 2, normal) the specific false-accept risk at the
    # acceptance limit is below 2.5 %; one-sided it is 1 - Φ(2) = 0.02275 (standard normal table).
    tol = Tolerance.upper_only(10)
    u = 0.25
    limit = 10 - 2 * u
    assert specific_risk(limit, u, tol) == pytest.approx(0.022750131948179, rel=1e-9)
    assert specific_risk(limit, u, tol) < 0.025


def test_two_sided_specific_risk_adds_both_tails() -> None:
    # Tolerance ±1, u = 0.5, result 0: both tails are 1 - Φ(2) (standard normal table).
    tol = Tolerance.symmetric(0, 1)
    assert specific_risk(0, 0.5, tol) == pytest.approx(2 * 0.022750131948179, rel=1e-9)


def test_one_sided_global_risk_is_half_of_the_symmetric_case() -> None:
    # With the process centred at 0 and limits ±8, each tail contributes half of Deaver's
    # figures; an upper-only limit keeps one tail for PFA and half the rejects.
    both = global_risk(0, 4, 1, Tolerance.symmetric(0, 8))
    upper = global_risk(0, 4, 1, Tolerance.upper_only(8))
    assert upper.false_accept == pytest.approx(both.false_accept / 2, rel=1e-6)
    assert upper.false_reject == pytest.approx(both.false_reject / 2, rel=1e-6)


def test_risk_input_errors() -> None:
    with pytest.raises(ConformityError, match="standard_uncertainty: must be positive"):
        specific_risk(0, 0, Tolerance.upper_only(1))
    with pytest.raises(ConformityError, match="process_sd: must be positive"):
        global_risk(0, -4, 1, Tolerance.symmetric(0, 8))
    assert math.isfinite(global_risk(100, 4, 1, Tolerance.symmetric(0, 8)).false_accept)
