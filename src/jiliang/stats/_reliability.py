"""Measurement reliability models R(t) of NCSLI RP-1 (2010) Appendix D.

Every model here takes strictly positive parameters, so fitting can work on log-parameters
and every parameter vector the optimiser can reach is a valid model: R(t) in [0, 1] and
non-increasing in t (the shared property suite in tests/stats checks this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize
from scipy import stats as sps

FloatArray = npt.NDArray[np.float64]
ModelFunction = Callable[[FloatArray, tuple[float, ...]], FloatArray]
StartFunction = Callable[[float], list[tuple[float, ...]]]


def _phi(x: FloatArray) -> FloatArray:
    return np.asarray(sps.norm.cdf(x), dtype=float)


def _exponential(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    return np.exp(-th[0] * t)


def _weibull(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    return np.exp(-((th[0] * t) ** th[1]))


def _mixed_exponential(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    return np.asarray((1.0 + th[0] * t) ** (-th[1]), dtype=float)


def _random_walk(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    return 2.0 * _phi(1.0 / np.sqrt(th[0] + th[1] * t)) - 1.0


def _restricted_random_walk(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    return 2.0 * _phi(1.0 / np.sqrt(th[0] + th[1] * (1.0 - np.exp(-th[2] * t)))) - 1.0


def _modified_gamma(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    x = th[0] * t
    return np.exp(-x) * (1.0 + x + x**2 / 2.0 + x**3 / 6.0)


def _mortality_drift(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    return np.exp(-(th[0] * t + th[1] * t**2))


def _warranty(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(np.clip(th[0] * (t - th[1]), -700, 700))), dtype=float)


def _drift(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    # RP-1 D-2: R = Phi(theta1 + theta3 t) + Phi(theta2 - theta3 t) - 1 with the bias on the
    # side the drift moves away from; we write theta1 = theta2 + delta (delta > 0) so that
    # every positive parameter vector gives a non-increasing R(t).
    theta2, delta, theta3 = th
    return _phi(theta2 + delta + theta3 * t) + _phi(theta2 - theta3 * t) - 1.0


def _lognormal(t: FloatArray, th: tuple[float, ...]) -> FloatArray:
    with np.errstate(divide="ignore"):
        z = np.log(th[0] * t) / th[1]
    return 1.0 - _phi(z)


@dataclass(frozen=True)
class ReliabilityModel:
    """A reliability model: name, parameter names, R(t, theta) and starting guesses.

    ``starts(rate)`` gives starting parameter vectors from a rough failure rate (1/time).
    """

    name: str
    parameters: tuple[str, ...]
    function: ModelFunction
    starts: StartFunction

    def reliability(self, t: FloatArray | float, theta: tuple[float, ...]) -> FloatArray:
        """R(t) for this model; t may be a scalar or an array (t >= 0)."""
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            return np.asarray(self.function(np.asarray(t, dtype=float), theta), dtype=float)


RELIABILITY_MODELS: tuple[ReliabilityModel, ...] = (
    ReliabilityModel("exponential", ("theta",), _exponential, lambda r: [(r,), (3 * r,), (r / 3,)]),
    ReliabilityModel(
        "weibull",
        ("theta1", "theta2"),
        _weibull,
        lambda r: [(r, 1.0), (r, 2.0), (r, 0.5), (r / 3, 3.0)],
    ),
    ReliabilityModel(
        "mixed-exponential",
        ("theta1", "theta2"),
        _mixed_exponential,
        lambda r: [(r, 1.0), (10 * r, 0.1), (r / 2, 3.0)],
    ),
    ReliabilityModel(
        "random-walk",
        ("theta1", "theta2"),
        _random_walk,
        lambda r: [(0.05, 4.3 * r), (0.01, r), (0.2, 20 * r)],
    ),
    ReliabilityModel(
        "restricted-random-walk",
        ("theta1", "theta2", "theta3"),
        _restricted_random_walk,
        lambda r: [(0.05, 4.3, r), (0.05, 10.0, 0.3 * r), (0.01, 2.0, 3 * r)],
    ),
    ReliabilityModel(
        "modified-gamma", ("theta",), _modified_gamma, lambda r: [(2 * r,), (4 * r,), (r,)]
    ),
    ReliabilityModel(
        "mortality-drift",
        ("theta1", "theta2"),
        _mortality_drift,
        lambda r: [(r, r * r), (r / 10, r * r), (r, r * r / 10)],
    ),
    ReliabilityModel(
        "warranty",
        ("theta1", "theta2"),
        _warranty,
        lambda r: [(5 * r, 1 / r), (2 * r, 2 / r), (10 * r, 0.5 / r)],
    ),
    ReliabilityModel(
        "drift",
        ("theta2", "delta", "theta3"),
        _drift,
        lambda r: [(2.0, 0.5, 2 * r), (2.5, 0.1, 2.5 * r), (1.5, 1.0, r)],
    ),
    ReliabilityModel(
        "lognormal",
        ("theta1", "theta2"),
        _lognormal,
        lambda r: [(r, 1.0), (r, 0.5), (2 * r, 1.5)],
    ),
)


def reliability_model(name: str) -> ReliabilityModel:
    """Look a model up by name (KeyError lists the known names)."""
    for model in RELIABILITY_MODELS:
        if model.name == name:
            return model
    known = ", ".join(m.name for m in RELIABILITY_MODELS)
    raise KeyError(f"unknown reliability model {name!r}; known: {known}")


def solve_reliability_interval(
    model: ReliabilityModel, theta: tuple[float, ...], target: float, t_hint: float
) -> float | None:
    """Smallest t >= 0 with R(t) = target, or None when R(0) is at or below the target or R
    never falls to it within 10^6 times ``t_hint``."""

    def f(t: float) -> float:
        return float(model.reliability(t, theta)) - target

    if f(0.0) <= 0.0:
        return None
    hi = t_hint
    while f(hi) > 0.0:
        hi *= 2.0
        if hi > 1e6 * t_hint:
            return None
    # first crossing on a geometric grid, so that very steep starts are resolved too
    grid = np.concatenate([[0.0], np.geomspace(1e-300, hi, 2048)])
    vals = model.reliability(grid, theta) - target
    idx = int(np.argmax(vals <= 0.0))
    return float(
        optimize.brentq(f, float(grid[idx - 1]), float(grid[idx]), xtol=1e-300, rtol=1e-14)
    )
