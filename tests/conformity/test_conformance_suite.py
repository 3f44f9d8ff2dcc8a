"""Shared property suite every decision rule passes (ARCHITECTURE rule 9; hypothesis)."""

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.conformity import (
    ConformityError,
    Decision,
    DecisionRule,
    RuleKind,
    Statement,
    Tolerance,
    decide,
    global_risk,
    specific_risk,
)

decimals = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False)
positive = st.decimals(min_value=Decimal("0.001"), max_value=100, places=3)
factors = st.decimals(min_value=0, max_value=2, places=2)
# Each maker takes the guard-band factor r (simple acceptance ignores it: w = 0).
RULES: list[Callable[[Decimal], DecisionRule]] = [
    lambda r: DecisionRule.simple_acceptance(),
    DecisionRule.guarded_acceptance,
    DecisionRule.guarded_rejection,
    DecisionRule.non_binary,
    lambda r: DecisionRule.jjf1094(),
]


def ratio_met(u: Decimal, tol: Tolerance) -> bool:
    """U <= MPEV/3 with MPEV = half the width (JJF 1094-2002 5.3), written out independently."""
    if tol.lower is None or tol.upper is None:
        return False
    return u * 6 <= tol.upper - tol.lower


def decide_or_refused(
    x: Decimal, u: Decimal, tol: Tolerance, rule: DecisionRule
) -> Decision | None:
    """The decision; ``None`` where the rule must refuse: simple acceptance without the ratio,
    JJF 1094 without both limits (each refusal asserted here)."""
    refused = (rule.kind is RuleKind.SIMPLE_ACCEPTANCE and not ratio_met(u, tol)) or (
        rule.kind is RuleKind.JJF_1094 and (tol.lower is None or tol.upper is None)
    )
    if refused:
        with pytest.raises(ConformityError):
            decide(x, u, tol, rule)
        return None
    return decide(x, u, tol, rule)


@st.composite
def tolerances(draw: st.DrawFn) -> Tolerance:
    low = draw(decimals)
    width = draw(positive)
    side = draw(st.sampled_from(["both", "upper", "lower"]))
    if side == "upper":
        return Tolerance(None, low + width)
    if side == "lower":
        return Tolerance(low, None)
    return Tolerance(low, low + width)


@settings(deadline=None)  # timing is not under test; the machine may be loaded
@given(x=decimals, u=positive, tol=tolerances(), r=factors)
def test_every_rule_agrees_with_its_acceptance_zone(
    x: Decimal, u: Decimal, tol: Tolerance, r: Decimal
) -> None:
    for make in RULES:
        decision = decide_or_refused(x, u, tol, make(r))
        if decision is None:
            continue
        zone = decision.acceptance_zone
        in_zone = zone is not None and zone.contains(x)
        assert (decision.statement is Statement.PASS) == in_zone


@st.composite
def within_ratio(draw: st.DrawFn) -> tuple[Tolerance, Decimal]:
    """A two-sided tolerance and a U with U <= MPEV/3, where simple acceptance is allowed."""
    low = draw(decimals)
    width = draw(positive)
    fraction = draw(st.decimals(min_value=0, max_value=1, places=3))
    u = (width * fraction / 6).quantize(Decimal("0.000001"), rounding=ROUND_FLOOR)
    return Tolerance(low, low + width), u


@settings(deadline=None)  # timing is not under test; the machine may be loaded
@given(x=decimals, case=within_ratio(), r=factors)
def test_binary_rules_nest(x: Decimal, case: tuple[Tolerance, Decimal], r: Decimal) -> None:
    tol, u = case
    assert ratio_met(u, tol)  # simple acceptance is refused otherwise (tested above)
    guarded = decide(x, u, tol, DecisionRule.guarded_acceptance(r)).accepted
    simple = decide(x, u, tol, DecisionRule.simple_acceptance()).accepted
    lenient = decide(x, u, tol, DecisionRule.guarded_rejection(r)).accepted
    assert (not guarded or simple) and (not simple or lenient)
    # Non-binary "accepted" (pass or conditional pass) is simple acceptance.
    assert decide(x, u, tol, DecisionRule.non_binary(r)).accepted == simple


@settings(deadline=None)  # timing is not under test; the machine may be loaded
@given(x=decimals, u=positive, tol=tolerances(), shift=decimals)
def test_decisions_are_translation_invariant(
    x: Decimal, u: Decimal, tol: Tolerance, shift: Decimal
) -> None:
    moved = Tolerance(
        None if tol.lower is None else tol.lower + shift,
        None if tol.upper is None else tol.upper + shift,
    )
    for make in RULES:
        rule = make(Decimal(1))
        here, there = (
            decide_or_refused(x, u, tol, rule),
            decide_or_refused(x + shift, u, moved, rule),
        )
        assert (here is None) == (there is None)
        if here is not None and there is not None:
            assert here.statement is there.statement


@settings(deadline=None)  # timing is not under test; the machine may be loaded
@given(x=decimals, tol=tolerances(), r=factors)
def test_zero_uncertainty_makes_every_rule_simple_acceptance(
    x: Decimal, tol: Tolerance, r: Decimal
) -> None:
    expected = tol.contains(x)
    for make in RULES:
        decision = decide_or_refused(x, Decimal(0), tol, make(r))
        if decision is not None:
            assert decision.accepted == expected


@settings(deadline=None)  # timing is not under test; the machine may be loaded
@given(x=decimals, u=positive, tol=tolerances())
def test_guarded_acceptance_keeps_specific_risk_below_ilac_bound(
    x: Decimal, u: Decimal, tol: Tolerance
) -> None:
    # U = 2u; w = U: an accepted result has specific risk < 2·(1 - Φ(2)) (ILAC-G8:2019 4.2.2).
    if decide(x, 2 * u, tol, DecisionRule.guarded_acceptance()).accepted:
        assert specific_risk(x, u, tol) <= 2 * 0.0227501319482 + 1e-12


@settings(max_examples=25, deadline=None)
@given(
    sigma_p=st.floats(min_value=0.5, max_value=10),
    sigma_m=st.floats(min_value=0.05, max_value=3),
    r1=st.floats(min_value=0, max_value=1),
    r2=st.floats(min_value=0, max_value=1),
)
def test_wider_guard_band_never_raises_pfa(
    sigma_p: float, sigma_m: float, r1: float, r2: float
) -> None:
    tol = Tolerance.symmetric(0, 8)
    low, high = sorted((r1, r2))
    risks = []
    for r in (low, high):
        zone = DecisionRule.guarded_acceptance(r).acceptance_zone(tol, 2 * sigma_m)
        if zone is None:
            return
        risks.append(global_risk(0, sigma_p, sigma_m, tol, zone))
    assert risks[1].false_accept <= risks[0].false_accept + 1e-12
    assert risks[1].false_reject >= risks[0].false_reject - 1e-12
    for risk in risks:
        assert 0 <= risk.false_accept <= 1 and 0 <= risk.false_reject <= 1


@settings(deadline=None)  # timing is not under test; the machine may be loaded
@given(x=decimals, u=positive, tol=tolerances())
def test_jjf1094_is_simple_acceptance_or_three_zones(
    x: Decimal, u: Decimal, tol: Tolerance
) -> None:
    if tol.lower is None or tol.upper is None:
        return  # refused without both limits (test_every_rule_agrees_with_its_acceptance_zone)
    statement = decide(x, u, tol, DecisionRule.jjf1094()).statement
    if ratio_met(u, tol):
        assert statement is (Statement.PASS if tol.lower <= x <= tol.upper else Statement.FAIL)
    elif tol.lower + u <= x <= tol.upper - u:
        assert statement is Statement.PASS
    elif x <= tol.lower - u or x >= tol.upper + u:
        assert statement is Statement.FAIL
    else:
        assert statement is Statement.UNDECIDED
