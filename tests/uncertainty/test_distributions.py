"""One shared property suite for every input distribution (conformance, hypothesis).

For any parameters: the sample mean and standard deviation agree with the analytic ones
within a few standard errors, the quantile function agrees with the analytic mean, and a
seed reproduces the draw. Analytic standard uncertainties are checked against the formulas
printed in JCGM 101:2008 clause 6.4.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.uncertainty import (
    Arcsine,
    CurvilinearTrapezoid,
    Exponential,
    Gamma,
    LogNormal,
    Normal,
    Rectangular,
    StudentT,
    Trapezoidal,
    Triangular,
    UncertaintyError,
)

loc = st.floats(-1e3, 1e3, allow_nan=False)
pos = st.floats(1e-3, 1e2, allow_nan=False)
unit = st.floats(0.0, 1.0)

# family name -> strategy producing an instance
FAMILIES: dict[str, st.SearchStrategy[Any]] = {
    "normal": st.builds(Normal, loc, pos),
    "t": st.builds(StudentT, loc, pos, st.floats(10.0, 200.0)),
    "rectangular": st.builds(Rectangular, loc, pos),
    "triangular": st.builds(Triangular, loc, pos),
    "trapezoidal": st.builds(Trapezoidal, loc, pos, unit),
    "curvilinear_trapezoid": st.builds(
        lambda m, a, f: CurvilinearTrapezoid(m, a, a * f), loc, pos, st.floats(0.01, 0.9)
    ),
    "arcsine": st.builds(Arcsine, loc, pos),
    "exponential": st.builds(Exponential, pos),
    "gamma": st.builds(Gamma, st.floats(0.5, 50.0), pos),
    "lognormal": st.builds(LogNormal, st.floats(-3.0, 3.0), st.floats(0.01, 0.5)),
}

N = 100_000


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=10, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_samples_match_analytic_moments(family: str, data: st.DataObject, seed: int) -> None:
    dist = data.draw(FAMILIES[family])
    x = dist.sample(np.random.default_rng(seed), N)
    assert x.shape == (N,)
    assert np.all(np.isfinite(x))
    mean, sd = dist.mean, dist.std
    assert sd > 0
    # standard errors from the sample itself (fourth central moment for the variance)
    d = x - x.mean()
    m2 = float(np.mean(d * d))
    m4 = float(np.mean(d**4))
    se_mean = math.sqrt(m2 / N)
    se_var = math.sqrt(max(m4 - m2 * m2, 0.0) / N)
    assert abs(x.mean() - mean) <= 6 * se_mean + 1e-9 * abs(mean)
    assert abs(x.var(ddof=1) - sd * sd) <= 6 * se_var + 1e-9 * sd * sd


PPF_FAMILIES = sorted(set(FAMILIES) - {"curvilinear_trapezoid"})


@pytest.mark.parametrize("family", PPF_FAMILIES)
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_quantile_function_matches_the_mean(family: str, data: st.DataObject) -> None:
    dist = data.draw(FAMILIES[family])
    q = (np.arange(20_000) + 0.5) / 20_000
    x = dist.ppf(q)
    assert np.all(np.diff(x) >= -1e-9 * (1 + np.abs(x[1:])))  # non-decreasing
    assert float(np.mean(x)) == pytest.approx(dist.mean, abs=0.01 * dist.std + 1e-9)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=5, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_seed_reproduces_the_draw(family: str, data: st.DataObject, seed: int) -> None:
    dist = data.draw(FAMILIES[family])
    a = dist.sample(np.random.default_rng(seed), 100)
    b = dist.sample(np.random.default_rng(seed), 100)
    assert np.array_equal(a, b)


# Analytic standard deviations, formulas of JCGM 101:2008 clause 6.4
ANALYTIC: list[tuple[str, Callable[[], Any], float]] = [
    ("6.4.2.3 rectangular: u = (b - a)/sqrt(12)", lambda: Rectangular(0, 1), 2 / math.sqrt(12)),
    ("6.4.5.3 triangular: u = (b - a)/sqrt(24)", lambda: Triangular(0, 1), 2 / math.sqrt(24)),
    (
        "6.4.4.3 trapezoidal: u^2 = (b - a)^2 (1 + beta^2)/24",
        lambda: Trapezoidal(0, 1, 0.5),
        math.sqrt(4 * 1.25 / 24),
    ),
    (
        "6.4.3.3 curvilinear trapezoid: u^2 = (b - a)^2/12 + d^2/9",
        lambda: CurvilinearTrapezoid(0, 1, 0.3),
        math.sqrt(4 / 12 + 0.09 / 9),
    ),
    ("6.4.6.3 arcsine: u = (b - a)/sqrt(8)", lambda: Arcsine(0, 1), 2 / math.sqrt(8)),
    ("6.4.9.3 t: u = s sqrt(nu/(nu - 2))", lambda: StudentT(0, 1, 5), math.sqrt(5 / 3)),
    ("6.4.10.3 exponential: u = x", lambda: Exponential(2.5), 2.5),
    ("6.4.11.3 gamma: variance = alpha beta^2 style", lambda: Gamma(4, 0.5), 1.0),
]


@pytest.mark.parametrize(("clause", "make", "u"), ANALYTIC, ids=[a[0] for a in ANALYTIC])
def test_standard_uncertainty_formulas_of_jcgm101(
    clause: str, make: Callable[[], Any], u: float
) -> None:
    assert make().std == pytest.approx(u, rel=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Rectangular(0, -1),
        lambda: Normal(0, -1),
        lambda: StudentT(0, 1, 0),
        lambda: Trapezoidal(0, 1, 1.5),
        lambda: CurvilinearTrapezoid(0, 1, 1.0),
        lambda: Exponential(0),
        lambda: Gamma(0, 1),
        lambda: LogNormal(0, 0),
        lambda: Rectangular(math.nan, 1),
    ],
)
def test_bad_parameters_raise_a_typed_error(make: Callable[[], Any]) -> None:
    with pytest.raises(UncertaintyError):
        make()


def test_lognormal_and_gamma_from_mean_and_u() -> None:
    # moment matching: the distribution has exactly the requested mean and u
    for d in (LogNormal.from_mean_u(10.0, 2.0), Gamma.from_mean_u(10.0, 2.0)):
        assert d.mean == pytest.approx(10.0)
        assert d.std == pytest.approx(2.0)
