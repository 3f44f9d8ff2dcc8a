"""GUM uncertainty framework (JCGM 100): law of propagation with exact derivatives.

Why: the reference method of every calibration certificate; sensitivities come from jets, so
they are exact, and the GUM 5.1.2 higher-order terms use exact second and third derivatives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from jiliang.uncertainty import _jet
from jiliang.uncertainty._distributions import describe
from jiliang.uncertainty._errors import UncertaintyError
from jiliang.uncertainty._model import MAX_SECOND_ORDER_INPUTS, Model
from jiliang.uncertainty._numeric import guard

__all__ = [
    "BudgetRow",
    "GumEvaluation",
    "GumResult",
    "coverage_factor",
    "effective_dof",
    "evaluate_gum",
]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BudgetRow:
    """One line of an uncertainty budget."""

    input: str
    value: float
    u: float
    distribution: str
    sensitivity: float
    contribution: float  # |c_i| u(x_i)
    share: float  # c_i u_i sum_j r_ij c_j u_j / u_c^2 (first order; sums to 1)
    dof: float


@dataclass(frozen=True)
class GumResult:
    """Result of the GUM framework for one output."""

    name: str
    value: float
    u: float
    dof: float | None  # math.inf when infinite; None when undefined (see dof_reason)
    dof_reason: str
    k: float
    U: float
    interval: tuple[float, float]
    probability: float
    budget: tuple[BudgetRow, ...]
    unit: str | None = None
    u_first_order: float = math.nan
    second_order: bool = False


@dataclass(frozen=True, eq=False)
class GumEvaluation:
    """GUM results for all outputs plus their covariance and correlation (JCGM 102)."""

    results: tuple[GumResult, ...]
    covariance: F64
    sensitivities: F64  # (outputs x inputs)

    def __getitem__(self, name: str) -> GumResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.results)

    @property
    def correlation(self) -> F64:
        d = np.sqrt(np.diag(self.covariance))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = self.covariance / np.outer(d, d)
        out = np.asarray(np.where(np.outer(d, d) > 0, r, np.eye(len(d))), dtype=np.float64)
        np.fill_diagonal(out, 1.0)
        return out


def coverage_factor(probability: float, dof: float | None) -> float:
    """k from the t distribution with dof (normal when infinite or undefined), GUM G.3."""
    q = (1.0 + probability) / 2.0
    if dof is None or math.isinf(dof):
        return float(special.ndtri(q))
    return float(special.stdtrit(dof, q))


def effective_dof(c: F64, model: Model) -> tuple[float | None, str]:
    """Welch–Satterthwaite, generalised by Willink (2007) for ensembles of correlated inputs.

    Correlated inputs are grouped (connected by non-zero r with non-zero contribution). A group
    contributes (sum_ij c_i u_i r_ij c_j u_j)^2 / nu when it lies in one ensemble (same
    sample, common nu); nothing when all its members have infinite dof; otherwise the
    effective dof is undefined and the reason is returned.
    """
    u = model.std_uncertainties
    cu = c * u
    dofs = np.array([model.inputs[n].dof for n in model.names])
    r = model.correlation
    n = len(cu)
    active = [i for i in range(n) if cu[i] != 0]
    uc2 = float(cu @ r @ cu)
    if uc2 <= 0:
        return math.inf, "zero combined uncertainty"
    # connected components over active inputs
    comp = {i: i for i in active}

    def find(i: int) -> int:
        while comp[i] != i:
            comp[i] = comp[comp[i]]
            i = comp[i]
        return i

    for a in active:
        for b in active:
            if a < b and r[a, b] != 0:
                comp[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for i in active:
        groups.setdefault(find(i), []).append(i)
    denom = 0.0
    for members in groups.values():
        if len(members) == 1:
            i = members[0]
            if not math.isinf(dofs[i]):
                denom += cu[i] ** 4 / dofs[i]
            continue
        if all(math.isinf(dofs[i]) for i in members):
            continue
        names = {model.names[i] for i in members}
        ens = next((e for e in model.ensemble_sets if names <= e), None)
        if ens is None:
            return None, (
                "inputs " + ", ".join(sorted(names)) + " are correlated but not declared as an "
                "ensemble from one sample; Welch–Satterthwaite does not apply (Willink 2007)"
            )
        idx = np.array(members)
        var_g = float(cu[idx] @ r[np.ix_(idx, idx)] @ cu[idx])
        denom += var_g**2 / dofs[members[0]]
    if denom == 0:
        return math.inf, ""
    return float(uc2**2 / denom), ""


def _jets_at(model: Model, order: int) -> dict[str, Any]:
    xs = _jet.variables(list(model.estimates), order)
    return dict(zip(model.names, xs, strict=True))


def _as_jet(v: Any, n: int, order: int) -> _jet.Jet:
    if isinstance(v, _jet.Jet):
        return v
    if isinstance(v, np.ndarray) and v.ndim > 0:
        raise UncertaintyError("the model returned an array for scalar inputs")
    return _jet.Jet(
        v,
        np.zeros(n),
        np.zeros((n, n)) if order >= 2 else None,
        np.zeros((n, n, n)) if order >= 3 else None,
    )


def output_jets(model: Model, order: int) -> list[_jet.Jet]:
    """Output values and derivatives at the input estimates."""
    n = len(model.names)
    try:
        with np.errstate(all="ignore"):
            outs = model(_jets_at(model, order))
    except (TypeError, AttributeError) as exc:
        raise UncertaintyError(
            f"the model cannot be differentiated ({exc}); use operators and numpy functions "
            "(np.sqrt, np.exp, ...) in a callable model"
        ) from None
    return [_as_jet(v, n, order) for v in outs]


@guard("the GUM evaluation failed")
def evaluate_gum(
    model: Model,
    *,
    probability: float = 0.95,
    second_order: bool = False,
) -> GumEvaluation:
    """Propagate the inputs through the model by the GUM framework (JCGM 100 5.1, 5.2, G)."""
    if not 0.0 < probability < 1.0:
        raise UncertaintyError(f"probability must be in (0, 1), got {probability!r}")
    order = 3 if second_order else 1
    if second_order and len(model.names) > MAX_SECOND_ORDER_INPUTS:
        raise UncertaintyError(
            f"second-order terms need n^3 derivatives; at most {MAX_SECOND_ORDER_INPUTS} "
            f"inputs, this model has {len(model.names)}"
        )
    if second_order and np.any(model.correlation != np.eye(len(model.names))):
        raise UncertaintyError(
            "second-order terms (GUM 5.1.2 note) need independent inputs; "
            "this model has correlated inputs"
        )
    jets = output_jets(model, order)
    for name, j in zip(model.output_names, jets, strict=True):
        if np.iscomplexobj(j.v) or np.iscomplexobj(j.g):
            raise UncertaintyError(f"output {name!r} is complex; use evaluate_complex")
        if not np.isfinite(j.v) or not np.all(np.isfinite(j.g)):
            raise UncertaintyError(f"output {name!r} is not finite at the input estimates")
    c = np.array([j.g for j in jets], dtype=np.float64)
    ux = model.covariance
    cov = c @ ux @ c.T
    u = model.std_uncertainties
    u2 = u * u
    results: list[GumResult] = []
    for k_out, (name, j) in enumerate(zip(model.output_names, jets, strict=True)):
        var1 = float(cov[k_out, k_out])
        var = var1
        if second_order:
            assert j.h is not None and j.t is not None
            hess, third = np.asarray(j.h, dtype=np.float64), np.asarray(j.t, dtype=np.float64)
            # sum_i sum_j [ (1/2) f_ij^2 + f_i f_ijj ] u_i^2 u_j^2  (GUM 5.1.2 note, eq. 10)
            fijj = np.einsum("ijj->ij", third)
            w = np.outer(u2, u2)
            var += float(np.sum((0.5 * hess**2 + c[k_out][:, None] * fijj) * w))
            cov[k_out, k_out] = var
        uc = math.sqrt(max(var, 0.0))
        dof, reason = effective_dof(c[k_out], model)
        k = coverage_factor(probability, dof)
        unc = k * uc
        y = float(np.real(j.v))
        # share of u_c^2: c_i u_i sum_j r_ij c_j u_j (sums to 1; (c_i u_i)^2/u_c^2 if independent)
        cu_k = c[k_out] * u
        rcu = model.correlation @ cu_k
        rows = []
        for i, nm in enumerate(model.names):
            inp = model.inputs[nm]
            ci = float(c[k_out, i])
            rows.append(
                BudgetRow(
                    input=nm,
                    value=inp.value,
                    u=inp.u,
                    distribution=describe(inp.sampling),
                    sensitivity=ci,
                    contribution=abs(ci) * inp.u,
                    share=float(cu_k[i] * rcu[i]) / var1 if var1 > 0 else 0.0,
                    dof=inp.dof,
                )
            )
        results.append(
            GumResult(
                name=name,
                value=y,
                u=uc,
                dof=dof,
                dof_reason=reason,
                k=k,
                U=unc,
                interval=(y - unc, y + unc),
                probability=probability,
                budget=tuple(rows),
                unit=model.units.get(name),
                u_first_order=math.sqrt(max(var1, 0.0)),
                second_order=second_order,
            )
        )
    return GumEvaluation(tuple(results), cov, c)
