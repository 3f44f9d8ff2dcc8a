"""Complex-valued quantities (JCGM 102 bivariate linearisation), kept modest.

Why: impedance, reflection coefficients and phasors are complex; their real and imaginary
parts (or magnitude and phase) are correlated and must be propagated together. Each complex
input becomes two real inputs (``z_re``/``z_im`` or ``z_mag``/``z_phase``), so the real
machinery (jets, correlations, ensembles, Monte Carlo) applies unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jiliang.uncertainty import _jet
from jiliang.uncertainty._errors import UncertaintyError
from jiliang.uncertainty._gum import GumEvaluation, effective_dof, evaluate_gum
from jiliang.uncertainty._model import Input, Model
from jiliang.uncertainty._numeric import guard

__all__ = [
    "ComplexEvaluation",
    "ComplexInput",
    "ComplexResult",
    "complex_model",
    "evaluate_complex",
    "ucomplex",
    "ucomplex_polar",
]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ComplexInput:
    """A complex input as two real components with their 2 x 2 covariance."""

    first: float
    second: float
    covariance: F64
    polar: bool
    dof: float = math.inf

    @property
    def value(self) -> complex:
        if self.polar:
            return complex(self.first * np.exp(1j * self.second))
        return complex(self.first, self.second)

    def components(self, name: str) -> tuple[dict[str, Input], list[tuple[str, str, float]]]:
        a, b = (f"{name}_mag", f"{name}_phase") if self.polar else (f"{name}_re", f"{name}_im")
        ua, ub = math.sqrt(self.covariance[0, 0]), math.sqrt(self.covariance[1, 1])
        ins = {a: Input(self.first, ua, self.dof), b: Input(self.second, ub, self.dof)}
        cors = []
        if ua > 0 and ub > 0 and self.covariance[0, 1] != 0:
            cors.append((a, b, float(self.covariance[0, 1] / (ua * ub))))
        return ins, cors


def _cov2(u: float | Sequence[float] | Any) -> F64:
    arr = np.asarray(u, dtype=np.float64)
    if arr.ndim == 0:
        c = np.diag([float(arr) ** 2, float(arr) ** 2])
    elif arr.shape == (2,):
        c = np.diag(arr**2)
    elif arr.shape == (2, 2):
        c = arr
    else:
        raise UncertaintyError("u must be a number, a pair (u1, u2) or a 2 x 2 covariance")
    if not np.allclose(c, c.T) or float(np.linalg.eigvalsh(c)[0]) < -1e-15 * max(
        1.0, float(np.abs(c).max())
    ):
        raise UncertaintyError("the 2 x 2 covariance must be symmetric positive semi-definite")
    return c


def ucomplex(
    value: complex, u: float | Sequence[float] | Any, dof: float = math.inf
) -> ComplexInput:
    """Complex input from real/imaginary parts: u is a number, (u_re, u_im) or a covariance."""
    z = complex(value)
    return ComplexInput(z.real, z.imag, _cov2(u), False, float(dof))


def ucomplex_polar(
    magnitude: float,
    phase: float,
    u_magnitude: float,
    u_phase: float,
    r: float = 0.0,
    dof: float = math.inf,
) -> ComplexInput:
    """Complex input from magnitude and phase (radian) with their correlation r."""
    if not -1.0 <= r <= 1.0:
        raise UncertaintyError(f"r must be in [-1, 1], got {r!r}")
    c = np.array(
        [[u_magnitude**2, r * u_magnitude * u_phase], [r * u_magnitude * u_phase, u_phase**2]]
    )
    return ComplexInput(float(magnitude), float(phase), _cov2(c), True, float(dof))


@dataclass(frozen=True, eq=False)
class ComplexResult:
    """A complex output: value and the covariance of (real, imaginary)."""

    name: str
    value: complex
    covariance: F64
    dof_re: float | None
    dof_im: float | None

    @property
    def u(self) -> tuple[float, float]:
        return math.sqrt(self.covariance[0, 0]), math.sqrt(self.covariance[1, 1])

    @property
    def correlation(self) -> float:
        ur, ui = self.u
        return float(self.covariance[0, 1] / (ur * ui)) if ur > 0 and ui > 0 else 0.0

    def polar(self) -> tuple[float, float, F64]:
        """Magnitude, phase and their covariance by linearisation (JCGM 102)."""
        x, y = self.value.real, self.value.imag
        r2 = x * x + y * y
        r = math.sqrt(r2)
        if r == 0:
            raise UncertaintyError(f"output {self.name!r}: phase undefined at zero magnitude")
        j = np.array([[x / r, y / r], [-y / r2, x / r2]])
        return r, math.atan2(y, x), j @ self.covariance @ j.T


@dataclass(frozen=True, eq=False)
class ComplexEvaluation:
    """Complex results and the real covariance of all (re, im) output components."""

    results: tuple[ComplexResult, ...]
    covariance: F64
    gum: GumEvaluation

    def __getitem__(self, name: str) -> ComplexResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)


def _part(x: Any, imag: bool) -> Any:
    if isinstance(x, _jet.Jet):
        f = np.imag if imag else np.real

        def g(a: Any) -> Any:
            return None if a is None else np.ascontiguousarray(f(a))

        return _jet.Jet(f(x.v), g(x.g), g(x.h), g(x.t))
    return np.imag(x) if imag else np.real(x)


def complex_model(
    function: Callable[..., Any],
    inputs: Mapping[str, Input | ComplexInput],
    outputs: Sequence[str] = ("z",),
    *,
    correlations: Sequence[tuple[str, str, float]] = (),
    ensembles: Sequence[Sequence[str]] = (),
) -> Model:
    """A real model whose outputs are ``<out>_re``, ``<out>_im`` of a complex function."""
    real_inputs: dict[str, Input] = {}
    cors = list(correlations)
    assemble: list[tuple[str, str, str, bool]] = []
    for name, inp in inputs.items():
        if isinstance(inp, ComplexInput):
            comp, c = inp.components(name)
            real_inputs.update(comp)
            cors += c
            a, b = comp
            assemble.append((name, a, b, inp.polar))
        else:
            real_inputs[name] = inp
    plain = [n for n, i in inputs.items() if not isinstance(i, ComplexInput)]
    outs = tuple(outputs)

    def wrapped(**env: Any) -> list[Any]:
        vals: dict[str, Any] = {n: env[n] for n in plain}
        for name, a, b, polar in assemble:
            if polar:
                vals[name] = env[a] * np.exp(1j * env[b])
            else:
                vals[name] = env[a] + 1j * env[b]
        res = function(**vals)
        if len(outs) == 1 and not isinstance(res, (tuple, list, Mapping)):
            res = [res]
        if isinstance(res, Mapping):
            res = [res[o] for o in outs]
        out: list[Any] = []
        for v in res:
            out += [_part(v, False), _part(v, True)]
        return out

    names = [f"{o}_{p}" for o in outs for p in ("re", "im")]
    return Model.from_function(wrapped, real_inputs, names, correlations=cors, ensembles=ensembles)


@guard("the complex GUM evaluation failed")
def evaluate_complex(
    function: Callable[..., Any],
    inputs: Mapping[str, Input | ComplexInput],
    outputs: Sequence[str] = ("z",),
    *,
    correlations: Sequence[tuple[str, str, float]] = (),
    ensembles: Sequence[Sequence[str]] = (),
) -> ComplexEvaluation:
    """GUM propagation for a complex-valued model (JCGM 102, bivariate linearisation)."""
    model = complex_model(function, inputs, outputs, correlations=correlations, ensembles=ensembles)
    ev = evaluate_gum(model)
    res = []
    for k, o in enumerate(outputs):
        i = 2 * k
        value = complex(ev.results[i].value, ev.results[i + 1].value)
        cov = ev.covariance[i : i + 2, i : i + 2].copy()
        res.append(
            ComplexResult(
                o,
                value,
                cov,
                effective_dof(ev.sensitivities[i], model)[0],
                effective_dof(ev.sensitivities[i + 1], model)[0],
            )
        )
    return ComplexEvaluation(tuple(res), ev.covariance, ev)
