"""Least-squares straight line with the covariance of its parameters (GUM H.3).

Why: calibration curves (thermometers, gauges) are fitted, and the prediction at a new point
must carry the parameters' correlation, or its uncertainty is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jiliang.uncertainty._errors import UncertaintyError
from jiliang.uncertainty._model import Input

__all__ = ["LineFit", "fit_straight_line"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class LineFit:
    """y = intercept + slope (x - x0), unweighted least squares (GUM H.3)."""

    intercept: float
    slope: float
    covariance: F64  # 2 x 2, of (intercept, slope)
    s: float  # residual standard deviation, dof = n - 2
    dof: int
    x0: float

    @property
    def u_intercept(self) -> float:
        return math.sqrt(float(self.covariance[0, 0]))

    @property
    def u_slope(self) -> float:
        return math.sqrt(float(self.covariance[1, 1]))

    @property
    def correlation(self) -> float:
        return float(self.covariance[0, 1]) / (self.u_intercept * self.u_slope)

    def predict(self, x: float) -> tuple[float, float]:
        """Value and standard uncertainty of the line at x (GUM H.3: u^2 = s^2(y1) + (x - x0)^2 s^2(y2) + 2 (x - x0) s(y1, y2))."""
        j = np.array([1.0, x - self.x0])
        return self.intercept + self.slope * (x - self.x0), math.sqrt(
            float(j @ self.covariance @ j)
        )

    def inputs(
        self, intercept: str = "y1", slope: str = "y2"
    ) -> tuple[dict[str, Input], list[tuple[str, str, float]], list[list[str]]]:
        """Parameters as model inputs with their correlation, as one ensemble (dof n - 2)."""
        ins = {
            intercept: Input(self.intercept, self.u_intercept, float(self.dof)),
            slope: Input(self.slope, self.u_slope, float(self.dof)),
        }
        return ins, [(intercept, slope, self.correlation)], [[intercept, slope]]


def fit_straight_line(x: Sequence[float], y: Sequence[float], x0: float = 0.0) -> LineFit:
    """Fit y = a + b (x - x0) by least squares; s^2 from the residuals with n - 2 dof."""
    xa = np.asarray(x, dtype=np.float64) - x0
    ya = np.asarray(y, dtype=np.float64)
    if xa.ndim != 1 or xa.shape != ya.shape:
        raise UncertaintyError("x and y must be sequences of the same length")
    n = xa.size
    if n < 3:
        raise UncertaintyError("a straight-line fit with uncertainty needs at least 3 points")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise UncertaintyError("x and y must be finite numbers")
    a = np.column_stack([np.ones(n), xa])
    ata = a.T @ a
    if np.linalg.cond(ata) > 1e14:
        raise UncertaintyError("x values do not determine a line (all equal?)")
    coef = np.linalg.solve(ata, a.T @ ya)
    resid = ya - a @ coef
    s2 = float(resid @ resid) / (n - 2)
    cov = s2 * np.linalg.inv(ata)
    return LineFit(float(coef[0]), float(coef[1]), cov, math.sqrt(s2), n - 2, float(x0))
