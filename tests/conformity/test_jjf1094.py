"""JJF 1094-2002 5.3, the conformity rule of verification (检定), at its boundaries.

Hand-computed from the specification's text: the uncertainty may be ignored when
U95 <= MPEV/3 (then |E| <= MPEV passes, anything beyond fails); otherwise |E| <= MPEV - U95
passes, |E| >= MPEV + U95 fails, and between the two the result is undecided (待定). Simple
acceptance (ILAC-G8:2019 4.2.1) is refused unless the ratio holds. Every expected value below
comes from those inequalities, worked by hand with MPEV = 0.3 (so MPEV/3 = 0.1 exactly).
"""

from decimal import Decimal

import pytest

from jiliang.conformity import (
    ConformityError,
    DecisionRule,
    RuleKind,
    Statement,
    Tolerance,
    decide,
    ratio_rule_met,
)

TOL = Tolerance.symmetric(0, "0.3")  # ±MPEV, MPEV = 0.3
JJF = DecisionRule.jjf1094()


def statement(error: str, u: str, tol: Tolerance = TOL) -> Statement:
    return decide(error, u, tol, JJF).statement


def test_u_exactly_mpev_over_three_ignores_the_uncertainty() -> None:
    # U = 0.1 = 0.3/3: the ratio holds, so the limit is MPEV itself.
    assert ratio_rule_met(TOL, "0.1")
    assert statement("0.3", "0.1") is Statement.PASS
    assert statement("-0.3", "0.1") is Statement.PASS
    assert statement("0.3000001", "0.1") is Statement.FAIL
    assert statement("-0.3000001", "0.1") is Statement.FAIL
    assert decide("0.3", "0.1", TOL, JJF).guard_band == 0


def test_just_above_the_ratio_three_zones() -> None:
    # U = 0.1000001 > 0.3/3: pass |E| <= 0.1999999, fail |E| >= 0.4000001, else 待定.
    u = "0.1000001"
    assert not ratio_rule_met(TOL, u)
    assert statement("0.1999999", u) is Statement.PASS  # |E| = MPEV - U exactly
    assert statement("-0.1999999", u) is Statement.PASS
    assert statement("0.2", u) is Statement.UNDECIDED
    assert statement("-0.2", u) is Statement.UNDECIDED
    assert statement("0.3", u) is Statement.UNDECIDED
    assert statement("0.4", u) is Statement.UNDECIDED
    assert statement("0.4000001", u) is Statement.FAIL  # |E| = MPEV + U exactly
    assert statement("-0.4000001", u) is Statement.FAIL
    assert statement("0.5", u) is Statement.FAIL


def test_mpev_minus_u_and_plus_u_exactly() -> None:
    # U = 0.2: pass |E| <= 0.1, fail |E| >= 0.5.
    assert statement("0.1", "0.2") is Statement.PASS
    assert statement("-0.1", "0.2") is Statement.PASS
    assert statement("0.1000001", "0.2") is Statement.UNDECIDED
    assert statement("0.4999999", "0.2") is Statement.UNDECIDED
    assert statement("0.5", "0.2") is Statement.FAIL
    assert statement("-0.5", "0.2") is Statement.FAIL
    assert statement(0.5, 0.2) is Statement.FAIL  # floats go through their shortest repr
    decision = decide("0.1", "0.2", TOL, JJF)
    assert decision.guard_band == Decimal("0.2")
    assert decision.acceptance_zone == Tolerance(Decimal("-0.1"), Decimal("0.1"))


def test_undecided_is_not_accepted_and_maps_to_dcc_by_side() -> None:
    inside = decide("0.3", "0.2", TOL, JJF)  # 0.1 < 0.3 < 0.5, inside ±0.3
    outside = decide("-0.35", "0.2", TOL, JJF)  # 0.1 < 0.35 < 0.5, outside ±0.3
    assert inside.statement is outside.statement is Statement.UNDECIDED
    assert not inside.accepted and not outside.accepted
    assert inside.dcc_statement == "conditionalPass"
    assert outside.dcc_statement == "conditionalFail"
    assert decide("0", "0.2", TOL, JJF).dcc_statement == "pass"


def test_the_jjg539_case_u_above_the_mpe_never_passes() -> None:
    # U = 2.9 g > MPE = 2.5 g: no acceptance zone (2.5 - 2.9 < 0); |E| < 5.4 g is 待定.
    tol = Tolerance.symmetric(0, "2.5")
    for error in ("0", "1.2", "-2.5", "5.3999"):
        assert statement(error, "2.9", tol) is Statement.UNDECIDED, error
    assert statement("5.4", "2.9", tol) is Statement.FAIL
    assert statement("-5.4", "2.9", tol) is Statement.FAIL
    assert decide("0", "2.9", tol, JJF).acceptance_zone is None


def test_asymmetric_limits_use_half_the_width() -> None:
    # Limits -1 and +3: MPEV = (3 - (-1))/2 = 2, MPEV/3 = 0.666…
    tol = Tolerance.two_sided(-1, 3)
    assert ratio_rule_met(tol, "0.5")  # 1.5 <= 2
    assert statement("3", "0.5", tol) is Statement.PASS
    assert statement("-1", "0.5", tol) is Statement.PASS
    assert statement("3.0001", "0.5", tol) is Statement.FAIL
    # U = 1 (3 > 2): pass in [0, 2], fail at or beyond -2 and 4, else undecided.
    assert statement("0", "1", tol) is Statement.PASS
    assert statement("2", "1", tol) is Statement.PASS
    assert statement("-0.0001", "1", tol) is Statement.UNDECIDED
    assert statement("2.0001", "1", tol) is Statement.UNDECIDED
    assert statement("4", "1", tol) is Statement.FAIL
    assert statement("-2", "1", tol) is Statement.FAIL
    assert statement("-1.9999", "1", tol) is Statement.UNDECIDED


def test_one_sided_limits_have_no_mpev() -> None:
    with pytest.raises(ConformityError, match="needs both limits"):
        decide("1", "0.1", Tolerance.upper_only(10), JJF)
    with pytest.raises(ConformityError, match="needs both limits"):
        decide("1", "0", Tolerance.lower_only(0), DecisionRule.simple_acceptance())


def test_simple_acceptance_refused_without_the_ratio() -> None:
    simple = DecisionRule.simple_acceptance()
    assert decide("0.3", "0.1", TOL, simple).statement is Statement.PASS  # U = MPEV/3
    with pytest.raises(ConformityError) as caught:
        decide("0.3", "0.1000001", TOL, simple)
    assert caught.value.field == "expanded_uncertainty"
    assert "U95 <= MPEV/3" in caught.value.reason
    with pytest.raises(ConformityError, match=r"U95 = 2\.9 "):
        decide("1.2", "2.9", Tolerance.symmetric(0, "2.5"), simple)


def test_every_rule_names_its_source() -> None:
    assert JJF.kind is RuleKind.JJF_1094
    assert JJF.source.startswith("JJF 1094-2002 5.3")
    assert DecisionRule.simple_acceptance().source.startswith("ILAC-G8:2019 4.2.1")
    assert DecisionRule.guarded_acceptance().source.startswith("ILAC-G8:2019 4.2.2")
    assert DecisionRule.guarded_rejection().source == "JCGM 106:2012 8.3"
    assert DecisionRule.non_binary().source.startswith("ILAC-G8:2019 4.2.3")
