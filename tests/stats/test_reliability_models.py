"""Shared conformance suite over every RP-1 reliability model (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from jiliang.stats import (
    RELIABILITY_MODELS,
    BinnedReliability,
    ReliabilityModel,
    fit_reliability_model,
    reliability_model,
    solve_reliability_interval,
)

# models whose RP-1 form gives R(0) = 1; the others (random walk, restricted random
# walk, warranty, drift) start at R(0) <= 1 by construction.
STARTS_AT_ONE = {
    "exponential",
    "weibull",
    "mixed-exponential",
    "modified-gamma",
    "mortality-drift",
    "lognormal",
}

# shape factors over two decades (0.1 to 10): the range RP-1 Appendix D plots; far outside
# it (e.g. a Weibull shape of 0.001) R drops from 1 to below any target within 1e-300 days.
_positive = hs.floats(-1.0, 1.0).map(lambda e: 10.0**e)


def _theta(model: ReliabilityModel) -> hs.SearchStrategy[tuple[float, ...]]:
    rate = hs.floats(-4.0, -1.0).map(lambda e: 10.0**e)  # 1/time scale of 10..10^4 days
    return hs.tuples(rate, *[_positive] * (len(model.parameters) - 1)).map(
        lambda th: _scale(model, th)
    )


def _scale(model: ReliabilityModel, th: tuple[float, ...]) -> tuple[float, ...]:
    # put every parameter on the model's own scale from one rate and shape factors
    rate, *shape = th
    if model.name in ("exponential", "modified-gamma"):
        return (rate,)
    if model.name == "weibull":
        return (rate, shape[0])
    if model.name == "mixed-exponential":
        return (rate, shape[0])
    if model.name == "random-walk":
        return (shape[0] * 0.1, rate)
    if model.name == "restricted-random-walk":
        return (shape[0] * 0.1, shape[1], rate)
    if model.name == "mortality-drift":
        return (rate, rate * rate * shape[0])
    if model.name == "warranty":
        return (rate * shape[0], 1.0 / rate)
    if model.name == "drift":
        return (shape[0], shape[1], rate)
    return (rate, shape[0])  # lognormal


@pytest.mark.parametrize("model", RELIABILITY_MODELS, ids=lambda m: m.name)
@settings(max_examples=60, deadline=None)
@given(data=hs.data())
def test_reliability_model_conformance(model: ReliabilityModel, data: hs.DataObject) -> None:
    theta = data.draw(_theta(model))
    t = np.concatenate([[0.0], np.geomspace(1e-3, 1e6, 400)])
    r = model.reliability(t, theta)
    assert np.all(np.isfinite(r))
    assert np.all(r >= -1e-12) and np.all(r <= 1.0 + 1e-12)
    assert np.all(np.diff(r) <= 1e-12), "R(t) must be non-increasing"
    if model.name in STARTS_AT_ONE:
        assert float(r[0]) == pytest.approx(1.0, abs=1e-12)
    target = data.draw(hs.floats(0.5, 0.99))
    found = solve_reliability_interval(model, theta, target, 100.0)
    if found is not None:
        assert float(model.reliability(found, theta)) == pytest.approx(target, abs=1e-7)
    else:
        assert float(r[0]) <= target or float(r[-1]) > target - 1e-9


@pytest.mark.parametrize("model", RELIABILITY_MODELS, ids=lambda m: m.name)
def test_fit_on_own_curve_inverts(model: ReliabilityModel) -> None:
    # data drawn exactly from each model's own curve: the fitted interval must invert R.
    theta = _scale(model, (1 / 500, 1.5, 2.0))
    t = tuple(float(v) for v in np.linspace(50, 800, 10))
    r = tuple(float(v) for v in model.reliability(np.asarray(t), theta))
    data = BinnedReliability(t, (500,) * len(t), r)
    fitted = fit_reliability_model(model, data)
    target = 0.5 * (r[0] + r[-1])
    interval = solve_reliability_interval(model, fitted, target, max(t))
    truth = solve_reliability_interval(model, theta, target, max(t))
    assert interval is not None and truth is not None
    assert float(model.reliability(interval, fitted)) == pytest.approx(target, abs=1e-7)
    assert interval == pytest.approx(truth, rel=0.05)


def test_lookup() -> None:
    assert reliability_model("weibull").parameters == ("theta1", "theta2")
    with pytest.raises(KeyError, match="known"):
        reliability_model("gamma-ray")
    assert math.isclose(float(reliability_model("exponential").reliability(0.0, (1.0,))), 1.0)
