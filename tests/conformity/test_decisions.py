"""Decision rules at and around their limits, with exact decimals.

Rules as defined in ILAC-G8:2019 clause 4 (simple acceptance 4.2.1, guarded acceptance 4.2.2,
non-binary statements 4.2.3 / Fig. 5) and JCGM 106:2012 8.3 (guarded rejection), w = r·U.
Convention of this package: zones are closed, so a value equal to an acceptance limit is
accepted (as |E| <= MPE in JJF 1094-2002).
"""

from decimal import Decimal

import pytest

from jiliang.conformity import (
    ConformityError,
    DecisionRule,
    Statement,
    Tolerance,
    check_mpe,
    decide,
)

TOL = Tolerance.symmetric(0, "0.3")  # ±0.3, and 0.3 - 0.1 is 0.19999999999999998 in binary


def test_simple_acceptance_closed_at_the_tolerance_limit() -> None:
    rule = DecisionRule.simple_acceptance()
    assert decide("0.3", "0.1", TOL, rule).statement is Statement.PASS
    assert decide("0.3000001", "0.1", TOL, rule).statement is Statement.FAIL
    assert decide("-0.3", "0.1", TOL, rule).statement is Statement.PASS
    assert decide("-0.3000001", "0.1", TOL, rule).statement is Statement.FAIL
    assert decide(0.3, 0.1, TOL, rule).guard_band == 0


def test_guarded_acceptance_boundary_is_exact_even_for_floats() -> None:
    rule = DecisionRule.guarded_acceptance()  # w = U
    assert decide(0.2, 0.1, TOL, rule).statement is Statement.PASS  # 0.3 - 0.1 == 0.2 exactly
    assert decide("0.2000001", "0.1", TOL, rule).statement is Statement.FAIL
    assert decide("-0.2", "0.1", TOL, rule).statement is Statement.PASS
    assert decide("-0.2000001", "0.1", TOL, rule).statement is Statement.FAIL
    decision = decide("0.2", "0.1", TOL, rule)
    assert decision.acceptance_zone == Tolerance(Decimal("-0.2"), Decimal("0.2"))


def test_guarded_acceptance_with_a_fraction_of_u() -> None:
    rule = DecisionRule.guarded_acceptance("0.5")  # w = 0.5·U = 0.05
    assert decide("0.25", "0.1", TOL, rule).statement is Statement.PASS
    assert decide("0.2500001", "0.1", TOL, rule).statement is Statement.FAIL
    assert decide("0.25", "0.1", TOL, rule).guard_band == Decimal("0.05")


def test_guarded_rejection_boundary() -> None:
    rule = DecisionRule.guarded_rejection()  # reject only beyond tolerance + U
    assert decide("0.4", "0.1", TOL, rule).statement is Statement.PASS
    assert decide("0.4000001", "0.1", TOL, rule).statement is Statement.FAIL
    assert decide("-0.4", "0.1", TOL, rule).statement is Statement.PASS


def test_non_binary_four_zones_ilac_g8_fig5() -> None:
    rule = DecisionRule.non_binary()
    expected = {
        "0.2": Statement.PASS,
        "0.2000001": Statement.CONDITIONAL_PASS,
        "0.3": Statement.CONDITIONAL_PASS,
        "0.3000001": Statement.CONDITIONAL_FAIL,
        "0.4": Statement.CONDITIONAL_FAIL,
        "0.4000001": Statement.FAIL,
        "-0.35": Statement.CONDITIONAL_FAIL,
        "-0.25": Statement.CONDITIONAL_PASS,
    }
    for measured, statement in expected.items():
        assert decide(measured, "0.1", TOL, rule).statement is statement, measured
    assert decide("0.3", "0.1", TOL, rule).accepted
    assert not decide("0.35", "0.1", TOL, rule).accepted


def test_one_sided_upper_limit() -> None:
    tol = Tolerance.upper_only(10)
    rule = DecisionRule.guarded_acceptance()
    assert decide("9.5", "0.5", tol, rule).statement is Statement.PASS
    assert decide("9.5000001", "0.5", tol, rule).statement is Statement.FAIL
    assert decide("-1000", "0.5", tol, rule).statement is Statement.PASS


def test_one_sided_lower_limit() -> None:
    tol = Tolerance.lower_only("500")
    rule = DecisionRule.guarded_acceptance()
    assert decide("510", "10", tol, rule).statement is Statement.PASS
    assert decide("509.99", "10", tol, rule).statement is Statement.FAIL


def test_guard_band_wider_than_tolerance_accepts_nothing() -> None:
    decision = decide("0", "0.31", TOL, DecisionRule.guarded_acceptance())
    assert decision.acceptance_zone is None
    assert decision.statement is Statement.FAIL


def test_mpe_check_equality_passes() -> None:
    # e = 5 g, load 10 kg on a class III scale: MPE 1.5e = 7.5 g (OIML R 76-1:2006 Table 6).
    check = check_mpe("10007.5", "10000", "7.5")
    assert check.error == Decimal("7.5")
    assert check.passed
    assert not check_mpe("10007.6", "10000", "7.5").passed
    assert check_mpe("9992.5", "10000", "7.5").passed


def test_bad_input_is_refused_with_the_field_named() -> None:
    with pytest.raises(ConformityError, match="expanded_uncertainty: must not be negative"):
        decide(0, -1, TOL)
    with pytest.raises(ConformityError, match="measured: 'abc' is not a decimal number"):
        decide("abc", 1, TOL)
    with pytest.raises(ConformityError, match="measured: 'nan' is not finite"):
        decide("nan", 1, TOL)
    with pytest.raises(ConformityError, match="tolerance: lower limit 2 must not exceed"):
        Tolerance.two_sided(2, 1)
    with pytest.raises(ConformityError, match="guard_band_factor"):
        DecisionRule.guarded_acceptance(-1)
    with pytest.raises(ConformityError, match="mpe: must be positive"):
        check_mpe(1, 1, 0)
