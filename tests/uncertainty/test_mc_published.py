"""Monte Carlo (JCGM 101:2008) against its own worked examples, fixed and adaptive.

Tolerances: the reference prints 2 or 3 significant digits; a 10^6-trial run's endpoint
standard error is about 0.005 for 9.2 (JCGM 101 7.9.2 note), so 0.02 is used there.
"""

from __future__ import annotations

import numpy as np
import pytest

from jiliang.uncertainty import (
    Model,
    Rectangular,
    UncertaintyError,
    coverage_intervals,
    evaluate_adaptive,
    evaluate_gum,
    evaluate_mc,
    load_model,
    numerical_tolerance,
    type_b,
    ureal,
    validate,
)

from .conftest import EXAMPLES


def _check_intervals(sym: tuple[float, float], short: tuple[float, float], half: float) -> None:
    """Symmetric ends to 0.02; for a symmetric output the shortest interval has the same
    length but its position is poorly determined (flat optimum), so only its length is tight."""
    assert sym[0] == pytest.approx(-half, abs=0.02)
    assert sym[1] == pytest.approx(half, abs=0.02)
    assert short[1] - short[0] == pytest.approx(2 * half, abs=0.02)
    assert short[1] - short[0] <= sym[1] - sym[0]
    assert short[0] == pytest.approx(-half, abs=0.1)


def test_jcgm101_9_2_2_normal() -> None:
    # JCGM 101 Table 2 (MCM, M = 10^6): u(y) = 2.00, shortest 95 % interval [-3.92, 3.92]
    r = evaluate_mc(load_model(EXAMPLES / "jcgm101_9_2_2_normal.yaml"), 10**6, seed=11)["Y"]
    assert r.value == pytest.approx(0.0, abs=0.01)
    assert r.u == pytest.approx(2.00, abs=0.005)
    _check_intervals(r.interval_symmetric, r.interval_shortest, 3.92)


def test_jcgm101_9_2_3_rectangular() -> None:
    # JCGM 101 Table 3 (MCM, M = 10^6): u(y) = 2.00, 95 % interval [-3.88, 3.88]
    r = evaluate_mc(load_model(EXAMPLES / "jcgm101_9_2_3_rectangular.yaml"), 10**6, seed=12)["Y"]
    assert r.u == pytest.approx(2.00, abs=0.005)
    _check_intervals(r.interval_symmetric, r.interval_shortest, 3.88)


def test_jcgm101_9_2_adaptive() -> None:
    # JCGM 101 9.2.2: adaptive MCM with n_dig = 2 reproduces u(y) = 2.0 and [-3.9, 3.9]
    # to the numerical tolerance delta = 0.05 (7.9.2: u = 2.0 = 20 x 10^-1, delta = 0.05)
    m = load_model(EXAMPLES / "jcgm101_9_2_2_normal.yaml")
    ev = evaluate_adaptive(m, 2, seed=5)
    r = ev["Y"]
    assert ev.adaptive and ev.converged
    assert ev.trials == ev.sequences * 10_000  # 7.9.4 b): M = max(100/(1-p), 10^4)
    assert ev.sequences >= 2
    assert r.u == pytest.approx(2.0, abs=0.05)
    assert r.interval_symmetric[0] == pytest.approx(-3.92, abs=0.1)
    assert r.interval_symmetric[1] == pytest.approx(3.92, abs=0.1)


def test_jcgm101_9_3_mass_monte_carlo() -> None:
    # JCGM 101 Table 11 (MCM, M = 10^6): dm = 1.2341 mg, u = 0.0754 mg,
    # shortest 95 % interval [1.0834, 1.3825] mg
    m = load_model(EXAMPLES / "jcgm101_9_3_mass.yaml")
    r = evaluate_mc(m, 10**6, seed=3)["dm"]
    assert r.value == pytest.approx(1.2341, abs=3e-4)
    assert r.u == pytest.approx(0.0754, abs=3e-4)
    assert r.interval_shortest[0] == pytest.approx(1.0834, abs=2e-3)
    assert r.interval_shortest[1] == pytest.approx(1.3825, abs=2e-3)


def test_jcgm101_9_3_gum_not_validated() -> None:
    # JCGM 101 9.3: the first-order GUF interval [1.1285, 1.3395] mg is not validated by MCM
    # ([1.0834, 1.3825] mg) for n_dig = 2 (8.2); from these published ends d_low = 0.0451 mg,
    # d_high = 0.0430 mg
    m = load_model(EXAMPLES / "jcgm101_9_3_mass.yaml")
    v = validate(evaluate_gum(m), evaluate_mc(m, 10**6, seed=4))[0]
    assert not v.gum_valid
    assert v.tolerance == pytest.approx(0.0005)  # u = 0.0539 = 54 x 10^-3 mg -> delta = 5 x 10^-4
    assert v.d_low == pytest.approx(0.0451, abs=0.003)
    assert v.d_high == pytest.approx(0.0430, abs=0.003)


def test_jcgm101_9_2_2_gum_validated() -> None:
    # JCGM 101 9.2.2: for the additive normal model the GUF is validated (both methods give
    # [-3.92, 3.92]); with n_dig = 2, delta = 0.05
    m = load_model(EXAMPLES / "jcgm101_9_2_2_normal.yaml")
    v = validate(evaluate_gum(m), evaluate_mc(m, 10**6, seed=6))[0]
    assert v.gum_valid
    assert v.tolerance == pytest.approx(0.05)


def test_bounded_memory_blocks_match_the_published_interval() -> None:
    # Same JCGM 101 Table 2 case with at most 2 x 10^5 stored values: intervals are the
    # average of per-block intervals (as in JCGM 101 7.9.4); results still [-3.92, 3.92]
    m = load_model(EXAMPLES / "jcgm101_9_2_2_normal.yaml")
    ev = evaluate_mc(m, 10**6, seed=7, max_stored=200_000)
    r = ev["Y"]
    assert ev.intervals_from.startswith("average")
    assert r.trials == 10**6
    assert r.u == pytest.approx(2.00, abs=0.005)
    assert r.interval_symmetric[0] == pytest.approx(-3.92, abs=0.02)
    assert r.interval_symmetric[1] == pytest.approx(3.92, abs=0.02)
    ad = evaluate_adaptive(m, 2, seed=8, max_stored=10_000)
    assert ad.intervals_from.startswith("average")
    assert ad["Y"].interval_symmetric[1] == pytest.approx(3.92, abs=0.1)


def test_seed_makes_runs_reproducible() -> None:
    m = load_model(EXAMPLES / "jcgm101_9_3_mass.yaml")
    a = evaluate_mc(m, 20_000, seed=42)["dm"]
    b = evaluate_mc(m, 20_000, seed=42)["dm"]
    c = evaluate_mc(m, 20_000, seed=43)["dm"]
    assert a == b
    assert a != c


def test_numerical_tolerance_rule_of_jcgm101() -> None:
    # JCGM 101 7.9.2 rule, applied by hand: write u = c x 10^l with c an n_dig-digit integer,
    # then delta = 10^l / 2 (e.g. u = 0.0539 mg, n_dig = 2: 54 x 10^-3, delta = 0.0005 mg)
    assert numerical_tolerance(1.04, 2) == pytest.approx(0.05)  # 10 x 10^-1
    assert numerical_tolerance(1.04, 1) == pytest.approx(0.5)  # 1 x 10^0
    assert numerical_tolerance(0.0539, 2) == pytest.approx(0.0005)
    assert numerical_tolerance(9.96, 2) == pytest.approx(0.5)  # rounds to 10 (two digits)


def test_coverage_interval_indices_follow_7_7() -> None:
    # JCGM 101 7.7.1/7.7.2 on the ordered values 1..M: q = pM; symmetric uses r = (M - q)/2;
    # with M = 100, p = 0.9: q = 90, r = 5 -> [y_(5), y_(95)] = [5, 95]
    y = np.arange(1.0, 101.0)[None, :]
    ls, hs, lh, hh = coverage_intervals(y, 0.9)
    assert (ls[0], hs[0]) == (5.0, 95.0)
    assert hh[0] - lh[0] == 90.0


def test_correlated_normal_inputs_are_sampled_with_their_correlation() -> None:
    # JCGM 101 6.4.8: multivariate Gaussian; for Y = X1 + X2 with u = 1 and r = 0.5 the
    # variance is 1 + 1 + 2 * 0.5 = 3 (GUM 5.2.2, eq. 13)
    m = Model({"a": ureal(0, 1), "b": ureal(0, 1)}, {"y": "a + b"}, correlations=[("a", "b", 0.5)])
    r = evaluate_mc(m, 400_000, seed=1)["y"]
    assert r.u**2 == pytest.approx(3.0, rel=0.01)
    assert evaluate_gum(m).results[0].u ** 2 == pytest.approx(3.0)


def test_correlated_rectangular_inputs_use_a_copula() -> None:
    # rectangular marginals (JCGM 101 6.4.2) of u = 1 each, fully correlated (r = 1): Y = a - b
    # is then exactly 0 and u(a + b) = 2
    m = Model(
        {"a": type_b(Rectangular(0, 3**0.5)), "b": type_b(Rectangular(0, 3**0.5))},
        {"d": "a - b", "s": "a + b"},
        correlations=[("a", "b", 1.0)],
    )
    ev = evaluate_mc(m, 100_000, seed=2)
    assert ev["d"].u == pytest.approx(0.0, abs=1e-9)
    assert ev["s"].u == pytest.approx(2.0, rel=0.01)


def test_results_do_not_depend_on_the_number_of_threads() -> None:
    # chunk k always uses child stream k of the seed: 1 thread and 3 threads agree exactly
    m = load_model(EXAMPLES / "gum_h1_end_gauge.yaml")
    a = evaluate_mc(m, 300_000, seed=5, workers=1)["l"]
    b = evaluate_mc(m, 300_000, seed=5, workers=3)["l"]
    assert a == b
    c = evaluate_adaptive(m, 1, seed=5, workers=1)["l"]
    d = evaluate_adaptive(m, 1, seed=5, workers=2)["l"]
    assert c == d


def test_non_finite_trials_are_an_error_naming_the_output() -> None:
    # log of a normal quantity that can be negative: the model is undefined for some trials
    m = Model({"a": ureal(0.1, 1.0)}, {"ln_a": "log(a)"})
    with pytest.raises(UncertaintyError, match="output 'ln_a' is not finite"):
        evaluate_mc(m, 10_000, seed=1)


@pytest.mark.parametrize("p", [0.95, 0.99, 0.6827, 0.5])
def test_fast_interval_selection_equals_the_sorted_definition(p: float) -> None:
    # JCGM 101 7.7 defines the intervals on the fully sorted values; the partition/threshold
    # shortcut must give exactly the same order statistics, ties and constant runs included
    from jiliang.uncertainty._mc import _intervals_unsorted

    rng = np.random.default_rng(1)
    for y in (
        rng.standard_normal(200_000),
        rng.exponential(size=200_000),
        np.round(rng.standard_normal(200_000), 1),
        np.zeros(150_000),
    ):
        expected = coverage_intervals(np.sort(y)[None, :], p)
        got = _intervals_unsorted(y.copy()[None, :], p)
        for e, g in zip(expected, got, strict=True):
            assert np.array_equal(e, g)


def test_a_callable_that_is_not_vectorised_is_a_clear_error() -> None:
    import math

    m = Model.from_function(lambda a: math.sqrt(a), {"a": ureal(4.0, 0.1)})
    with pytest.raises(UncertaintyError, match="must be vectorised"):
        evaluate_mc(m, 1000, seed=1)


def test_tail_selection_fallback_is_exact() -> None:
    # a subsample that misrepresents the data (every 50th value differs) forces the fallback
    from jiliang.uncertainty._mc import _tails

    y = np.arange(1_000_000, dtype=np.float64) % 7 + 10.0
    y[::50] = -np.arange(20_000, dtype=np.float64)
    lo, hi = _tails(y.copy(), 50_000)
    s = np.sort(y)
    assert np.array_equal(lo, s[:50_000])
    assert np.array_equal(hi, s[-50_000:])
