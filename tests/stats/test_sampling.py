"""Acceptance sampling: published binomial plan, hypergeometric plans, variables plans,
OC curves and the auditable sample draw."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy import stats as sps

from jiliang.stats import (
    StatsInputError,
    acceptance_probability,
    attribute_plan,
    draw_sample,
    variables_decision,
    variables_plan,
)


def test_published_binomial_plan() -> None:
    # Smallest binomial single plan with p1 = 1 % (alpha = 5 %), p2 = 7 % (beta = 5 %):
    # n = 109, c = 3 (published case listed in issue #5; two-point OC design as in
    # Schilling & Neubauer, Acceptance Sampling in Quality Control, ch. 5).
    plan = attribute_plan(0.01, 0.05, 0.07, 0.05)
    assert (plan.n, plan.c) == (109, 3)
    assert plan.distribution == "binomial"
    assert plan.pa_p1 >= 0.95 and plan.pa_p2 <= 0.05


def test_binomial_oc_published_points() -> None:
    # S. Hilliard, samplingplans.com forum, 7 Feb 2006 (computed with TP105 v3): the plan
    # n = 68, c = 2 has producer's point AQL = 1.213 % at alpha = 0.05 and consumer's point
    # RQL = 8.9704 % at beta = 0.05.
    assert float(acceptance_probability(68, 2, 0.01213)) == pytest.approx(0.95, abs=5e-5)
    assert float(acceptance_probability(68, 2, 0.089704)) == pytest.approx(0.05, abs=5e-6)


def test_hypergeometric_plan_for_a_lot() -> None:
    plan = attribute_plan(0.01, 0.05, 0.07, 0.05, lot=500)
    assert plan.distribution == "hypergeometric" and plan.lot == 500
    # a finite lot never needs a larger sample than the binomial (infinite lot) plan
    assert plan.n <= 109
    assert plan.pa_p1 >= 0.95 and plan.pa_p2 <= 0.05
    # the hypergeometric plan for a very large lot tends to the binomial plan
    big = attribute_plan(0.01, 0.05, 0.07, 0.05, lot=1_000_000)
    assert abs(big.n - 109) <= 2


@settings(max_examples=30, deadline=None)
@given(
    p1=hs.floats(0.002, 0.05),
    ratio=hs.floats(2.5, 10.0),
    alpha=hs.floats(0.01, 0.2),
    beta=hs.floats(0.01, 0.2),
)
def test_plan_is_the_smallest_meeting_both_points(
    p1: float, ratio: float, alpha: float, beta: float
) -> None:
    p2 = min(0.9, p1 * ratio)
    plan = attribute_plan(p1, alpha, p2, beta)
    assert plan.pa_p1 >= 1 - alpha and plan.pa_p2 <= beta
    # no plan with one item fewer meets both points, whatever its acceptance number
    n = plan.n - 1
    cs = np.arange(n + 1)
    ok = (sps.binom.cdf(cs, n, p1) >= 1 - alpha) & (sps.binom.cdf(cs, n, p2) <= beta)
    assert not ok.any()
    assert float(acceptance_probability(plan.n, plan.c, p1)) == pytest.approx(plan.pa_p1)


def test_oc_curve_is_data() -> None:
    plan = attribute_plan(0.01, 0.05, 0.07, 0.05)
    oc = plan.oc_curve(points=11)
    assert len(oc.p) == len(oc.pa) == 11
    assert oc.pa[0] == 1.0
    assert all(a >= b for a, b in zip(oc.pa, oc.pa[1:], strict=False))
    assert plan.accepts(3) and not plan.accepts(4)


def test_plan_bad_input() -> None:
    with pytest.raises(StatsInputError) as err:
        attribute_plan(0.07, 0.05, 0.01, 0.05)
    assert err.value.field == "p2"
    with pytest.raises(StatsInputError) as err:
        attribute_plan(0.01, 0.05, 0.07, 0.05, lot=1)
    assert err.value.field == "lot"
    with pytest.raises(StatsInputError):
        attribute_plan(0.0, 0.05, 0.07, 0.05)


@pytest.mark.parametrize("sigma_known", [True, False])
def test_variables_plan_passes_through_both_points(sigma_known: bool) -> None:
    # k and n solve Phi(sqrt(n)(z_p - k)) = 1 - alpha at p1 and = beta at p2 (normal theory;
    # Wallis' factor (1 + k^2/2) when sigma is unknown), so the OC at n_exact hits both.
    plan = variables_plan(0.01, 0.05, 0.07, 0.05, sigma_known=sigma_known)
    exact = type(plan)(**{**plan.__dict__, "n": plan.n_exact})  # type: ignore[arg-type]
    assert float(exact.acceptance_probability(0.01)) == pytest.approx(0.95, abs=1e-9)
    assert float(exact.acceptance_probability(0.07)) == pytest.approx(0.05, abs=1e-9)
    assert plan.n >= plan.n_exact
    if not sigma_known:
        known = variables_plan(0.01, 0.05, 0.07, 0.05, sigma_known=True)
        assert plan.k == pytest.approx(known.k)
        assert plan.n_exact == pytest.approx(known.n_exact * (1 + known.k**2 / 2))


def test_variables_decision() -> None:
    values = [9.8, 10.1, 10.0, 9.9, 10.2]  # mean 10.0, s = 0.158...
    dec = variables_decision(values, 1.9, upper=10.5)
    assert dec.mean == pytest.approx(10.0)
    assert dec.q_upper == pytest.approx(0.5 / dec.s)
    assert dec.accept
    assert not variables_decision(values, 1.9, lower=9.8).accept
    with pytest.raises(StatsInputError):
        variables_decision(values, 1.9)


def test_draw_is_reproducible_auditable_and_order_free() -> None:
    ids = [f"M{i:05d}" for i in range(1000)]
    a = draw_sample(ids, 20, "2026-lot-17")
    b = draw_sample(list(reversed(ids)), 20, "2026-lot-17")
    assert a == b
    assert a.algorithm == "sha256-rank-v1" and a.seed == "2026-lot-17"
    assert len(set(a.selected)) == 20 and a.population_size == 1000
    # anyone can recompute the draw from the published algorithm
    key = b"2026-lot-17\x1f"
    expected = sorted(ids, key=lambda i: hashlib.sha256(key + i.encode()).digest())[:20]
    assert list(a.selected) == expected
    assert draw_sample(ids, 20, "other").selected != a.selected


def test_draw_bad_input() -> None:
    with pytest.raises(StatsInputError) as err:
        draw_sample(["A", "A", "B"], 1, 1)
    assert err.value.field == "ids"
    with pytest.raises(StatsInputError):
        draw_sample(["A", "B"], 3, 1)
    with pytest.raises(StatsInputError):
        draw_sample(["A", "B"], 1, "")
