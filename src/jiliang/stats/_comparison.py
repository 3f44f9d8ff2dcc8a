"""Reference values, degrees of equivalence and scores of interlaboratory comparisons.

Estimators: weighted mean with the chi-squared check (Cox 2002 Procedure A), median with
Monte Carlo (Cox 2002 Procedure B), DerSimonian-Laird random effects, power-moderated
mean (Pomme & Keightley 2015) and ISO 13528 Algorithm A. Every estimator hands back the
covariance between each contributing lab's value and the reference, so one formula gives
u(d_i) for all of them: u^2(d_i) = u_i^2 + u^2(x_ref) - 2 cov(x_i, x_ref).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
from scipy import optimize
from scipy import stats as sps

from jiliang.stats import _data
from jiliang.stats._errors import StatsInputError
from jiliang.stats._robust import algorithm_a, algorithm_a_rows

FloatArray = npt.NDArray[np.float64]

Method = Literal["weighted-mean", "procedure-b", "dersimonian-laird", "pmm", "algorithm-a"]
METHODS: tuple[str, ...] = get_args(Method)


@dataclass(frozen=True)
class LabResult:
    """One participant's result: value, standard uncertainty u, optional dof and include.

    ``include=False`` keeps the lab's degree of equivalence but leaves it out of the
    reference value (e.g. a lab with a known problem, or a non-member). ``u=None``: the
    lab reported no uncertainty, as in many proficiency tests; only ``algorithm-a`` works
    without u (ISO 13528 scores the labs by z against sigma_pt), and then with no lab's u.
    """

    lab: str
    value: float
    u: float | None
    dof: float | None = None
    include: bool = True

    def __post_init__(self) -> None:
        if not self.lab.strip():
            raise StatsInputError("lab name is empty", field="lab")
        if not math.isfinite(self.value):
            raise StatsInputError(f"value of {self.lab} is not a finite number", field="value")
        if self.u is not None and not (math.isfinite(self.u) and self.u > 0.0):
            raise StatsInputError(f"u of {self.lab} must be a finite number > 0", field="u")
        if self.dof is not None and not (self.dof > 0.0):
            raise StatsInputError(f"dof of {self.lab} must be > 0", field="dof")
        if self.dof is not None and self.u is None:
            raise StatsInputError(f"dof of {self.lab} is given without u", field="dof")


@dataclass(frozen=True)
class ReferenceValue:
    """Reference value with standard uncertainty u and expanded U = k u."""

    value: float
    u: float
    U: float
    k: float


@dataclass(frozen=True)
class Consistency:
    """Chi-squared consistency check of Cox 2002 Procedure A on the included labs."""

    chi2: float
    dof: int
    p: float
    consistent: bool
    alpha: float


@dataclass(frozen=True)
class DegreeOfEquivalence:
    """A lab's degree of equivalence d = x - x_ref, its uncertainty and its scores.

    Scores that need an input that was not given (sigma_pt for z and z'; the lab's u for
    u_d, U_d, En and zeta) are None.
    """

    lab: str
    value: float
    u: float | None
    include: bool
    d: float
    u_d: float | None
    U_d: float | None
    En: float | None
    zeta: float | None
    z: float | None
    z_prime: float | None


@dataclass(frozen=True)
class PairwiseDoE:
    """Pairwise degree of equivalence d_ij = x_i - x_j with U = k sqrt(u_i^2 + u_j^2).

    U is None when the labs gave no u."""

    lab_i: str
    lab_j: str
    d: float
    U: float | None


@dataclass(frozen=True)
class ComparisonResult:
    """Everything a comparison report needs; ``to_dict`` is the stable JSON contract."""

    method: str
    reference: ReferenceValue
    consistency: Consistency | None
    tau: float | None
    labs: tuple[DegreeOfEquivalence, ...]
    weights: tuple[float | None, ...]  # None: Algorithm A without u (no Monte Carlo)
    sigma_pt: float | None
    pmm_alpha: float | None = None
    pmm_s: float | None = None
    seed: int | None = None
    trials: int | None = None

    def pairwise(self) -> tuple[PairwiseDoE, ...]:
        """All ordered pairs (i != j), labs taken as independent (Cox 2002, section 6)."""
        k = self.reference.k
        out: list[PairwiseDoE] = []
        for a in self.labs:
            for b in self.labs:
                if a.lab != b.lab:
                    big_u = None
                    if a.u is not None and b.u is not None:
                        big_u = k * math.hypot(a.u, b.u)
                    out.append(PairwiseDoE(a.lab, b.lab, a.value - b.value, big_u))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: reference, consistency, tau, labs (keys are a stable interface)."""
        ref = self.reference
        cons = self.consistency
        return {
            "method": self.method,
            "reference": {"value": ref.value, "u": ref.u, "U": ref.U, "k": ref.k},
            "consistency": None
            if cons is None
            else {"chi2": cons.chi2, "dof": cons.dof, "p": cons.p, "consistent": cons.consistent},
            "tau": self.tau,
            "pmm": None if self.pmm_alpha is None else {"alpha": self.pmm_alpha, "s": self.pmm_s},
            "sigma_pt": self.sigma_pt,
            "seed": self.seed,
            "trials": self.trials,
            "labs": [
                {
                    "lab": d.lab,
                    "value": d.value,
                    "u": d.u,
                    "include": d.include,
                    "weight": w,
                    "d": d.d,
                    "u_d": d.u_d,
                    "U_d": d.U_d,
                    "En": d.En,
                    "zeta": d.zeta,
                    "z": d.z,
                    "z_prime": d.z_prime,
                }
                for d, w in zip(self.labs, self.weights, strict=True)
            ],
        }


@dataclass(frozen=True)
class _Estimate:
    value: float
    u: float
    cov: FloatArray | None  # cov(x_i, x_ref) for the included labs; None without u
    weights: FloatArray | None
    tau: float | None = None
    sigma_pt: float | None = None
    pmm_alpha: float | None = None
    pmm_s: float | None = None


def _chi2_check(x: FloatArray, u: FloatArray) -> Consistency:
    alpha = _data.number("comparison", "consistency", "alpha")
    w = 1.0 / u**2
    y = float(np.sum(w * x) / np.sum(w))
    chi2 = float(np.sum((x - y) ** 2 * w))
    dof = int(x.size - 1)
    p = float(sps.chi2.sf(chi2, dof))
    return Consistency(chi2=chi2, dof=dof, p=p, consistent=p >= alpha, alpha=alpha)


def _weighted_mean(x: FloatArray, u: FloatArray) -> _Estimate:
    w = 1.0 / u**2
    u_ref2 = 1.0 / float(np.sum(w))
    weights = w * u_ref2
    return _Estimate(float(np.sum(weights * x)), math.sqrt(u_ref2), weights * u**2, weights)


def _dersimonian_laird(x: FloatArray, u: FloatArray) -> _Estimate:
    w = 1.0 / u**2
    y = float(np.sum(w * x) / np.sum(w))
    q = float(np.sum(w * (x - y) ** 2))
    s1, s2 = float(np.sum(w)), float(np.sum(w**2))
    tau2 = max(0.0, (q - (x.size - 1)) / (s1 - s2 / s1))
    ws = 1.0 / (u**2 + tau2)
    u_ref2 = 1.0 / float(np.sum(ws))
    weights = ws * u_ref2
    return _Estimate(
        float(np.sum(weights * x)), math.sqrt(u_ref2), weights * u**2, weights, tau=math.sqrt(tau2)
    )


def _pmm(x: FloatArray, u: FloatArray) -> _Estimate:
    n = x.size
    v = u**2

    def reduced_excess(s2: float) -> float:
        w = 1.0 / (v + s2)
        m = float(np.sum(w * x) / np.sum(w))
        return float(np.sum((x - m) ** 2 * w)) - (n - 1)

    s2 = 0.0
    if reduced_excess(0.0) > 0.0:
        hi = float(np.ptp(x)) ** 2 + float(np.max(v))
        while reduced_excess(hi) > 0.0:
            hi *= 2.0
        s2 = float(optimize.brentq(reduced_excess, 0.0, hi, xtol=1e-14 * hi, rtol=1e-14))
    offset = _data.number("comparison", "pmm", "alpha_offset")
    alpha = min(2.0, max(0.0, 2.0 - offset / n))
    xbar = float(np.mean(x))
    u2_mean = float(np.sum((x - xbar) ** 2)) / (n * (n - 1))
    u2_wm = 1.0 / float(np.sum(1.0 / (v + s2)))
    big_s = math.sqrt(n * max(u2_mean, u2_wm))
    raw = 1.0 / ((v + s2) ** (alpha / 2.0) * big_s ** (2.0 - alpha))
    u_ref2 = 1.0 / float(np.sum(raw))
    weights = raw * u_ref2
    return _Estimate(
        float(np.sum(weights * x)),
        math.sqrt(u_ref2),
        weights * v,
        weights,
        pmm_alpha=alpha,
        pmm_s=math.sqrt(s2),
    )


def _draws(
    x: FloatArray, u: FloatArray, dof: Sequence[float | None], rng: np.random.Generator, m: int
) -> FloatArray:
    cols = []
    for xi, ui, nu in zip(x, u, dof, strict=True):
        z = rng.standard_normal(m) if nu is None else rng.standard_t(nu, m)
        cols.append(xi + ui * z)
    return np.column_stack(cols)


def _mc_cov(draws: FloatArray, ref: FloatArray) -> FloatArray:
    dx = draws - draws.mean(axis=0)
    dr = ref - ref.mean()
    return (dx * dr[:, None]).sum(axis=0) / (ref.size - 1)


def _procedure_b(
    x: FloatArray, u: FloatArray, dof: Sequence[float | None], seed: int, trials: int
) -> _Estimate:
    rng = np.random.default_rng(seed)
    draws = _draws(x, u, dof, rng, trials)
    med = np.median(draws, axis=1)
    u_ref = float(np.std(med, ddof=1))
    cov = _mc_cov(draws, med)
    return _Estimate(float(np.median(x)), u_ref, cov, cov / u**2)


def _algorithm_a(
    x: FloatArray, u: FloatArray, dof: Sequence[float | None], seed: int, trials: int
) -> _Estimate:
    est = algorithm_a(x.tolist())
    rng = np.random.default_rng(seed)
    draws = _draws(x, u, dof, rng, trials)
    xs, _, _ = algorithm_a_rows(draws)
    cov = _mc_cov(draws, xs)
    return _Estimate(est.x_star, est.u_x_pt, cov, cov / u**2, sigma_pt=est.s_star)


def _algorithm_a_without_u(x: FloatArray) -> _Estimate:
    """Algorithm A on values alone: x*, u(x_pt) = 1.25 s*/sqrt(p) and s* as sigma_pt."""
    est = algorithm_a(x.tolist())
    return _Estimate(est.x_star, est.u_x_pt, None, None, sigma_pt=est.s_star)


def _check_u(labs: Sequence[LabResult], method: str) -> bool:
    """True when every lab gave u; False when none did (Algorithm A only); else an error."""
    missing = [lab.lab for lab in labs if lab.u is None]
    if not missing:
        return True
    if method != "algorithm-a":
        raise StatsInputError(
            f"{method} needs each lab's standard uncertainty (column 'u'); none given for "
            f"{', '.join(missing)}. Only algorithm-a works without u",
            field="u",
        )
    if len(missing) != len(labs):
        raise StatsInputError(
            f"u is given for some labs and not for {', '.join(missing)}: "
            "give it for every lab or for none",
            field="u",
        )
    return False


def evaluate_comparison(
    labs: Sequence[LabResult],
    method: str = "weighted-mean",
    *,
    sigma_pt: float | None = None,
    k: float | None = None,
    seed: int = 20021,
    trials: int | None = None,
) -> ComparisonResult:
    """Reference value, DoEs and scores of a comparison by ``method``.

    ``sigma_pt`` is the standard deviation for proficiency assessment used by z and z'
    (for Algorithm A it defaults to s*). Monte Carlo methods (procedure-b, algorithm-a)
    are reproducible from ``seed``; ``trials`` defaults to 100000 (procedure-b) and 20000
    (algorithm-a, which iterates on every trial). Without u (every lab's ``u`` None,
    algorithm-a only) there is no Monte Carlo: d, z and z' are given, u_d, En and zeta
    are None.
    """
    if method not in METHODS:
        raise StatsInputError(
            f"unknown method {method!r}; choose one of {', '.join(METHODS)}", field="method"
        )
    if sigma_pt is not None and not (math.isfinite(sigma_pt) and sigma_pt > 0.0):
        raise StatsInputError("sigma_pt must be a finite number > 0", field="sigma_pt")
    names = [lab.lab for lab in labs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise StatsInputError(
            f"lab names must be unique; repeated: {', '.join(dupes)}", field="lab"
        )
    included = [lab for lab in labs if lab.include]
    need = 3 if method == "algorithm-a" else 2
    if len(included) < need:
        raise StatsInputError(
            f"{method} needs at least {need} included labs, got {len(included)}", field="include"
        )
    has_u = _check_u(labs, method)
    if trials is not None and trials < 100:
        raise StatsInputError("trials must be at least 100", field="trials")
    cover = k if k is not None else _data.number("comparison", "coverage_factor", "k")
    if not (math.isfinite(cover) and cover > 0.0):
        raise StatsInputError("coverage factor k must be > 0", field="k")
    x = np.array([lab.value for lab in included], dtype=float)
    u = np.array([lab.u if lab.u is not None else math.nan for lab in included], dtype=float)
    dof = [lab.dof for lab in included]
    consistency: Consistency | None = None
    n_trials: int | None = None
    if method == "weighted-mean":
        est = _weighted_mean(x, u)
        consistency = _chi2_check(x, u)
    elif method == "dersimonian-laird":
        est = _dersimonian_laird(x, u)
        consistency = _chi2_check(x, u)
    elif method == "pmm":
        est = _pmm(x, u)
        consistency = _chi2_check(x, u)
    elif method == "procedure-b":
        n_trials = trials if trials is not None else 100_000
        est = _procedure_b(x, u, dof, seed, n_trials)
        consistency = _chi2_check(x, u)
    elif has_u:
        n_trials = trials if trials is not None else 20_000
        est = _algorithm_a(x, u, dof, seed, n_trials)
    else:
        est = _algorithm_a_without_u(x)
    s_pt = sigma_pt if sigma_pt is not None else est.sigma_pt
    cov_by_lab: dict[str, float] = {}
    w_by_lab: dict[str, float | None] = {lab.lab: None for lab in labs}
    if est.cov is not None and est.weights is not None:
        cov_by_lab = {lab.lab: float(c) for lab, c in zip(included, est.cov, strict=True)}
        w_by_lab = {lab.lab: 0.0 for lab in labs}
        w_by_lab.update({lab.lab: float(w) for lab, w in zip(included, est.weights, strict=True)})
    doe = [_degree(lab, est, cov_by_lab.get(lab.lab, 0.0), cover, s_pt) for lab in labs]
    return ComparisonResult(
        method=method,
        reference=ReferenceValue(est.value, est.u, cover * est.u, cover),
        consistency=consistency,
        tau=est.tau,
        labs=tuple(doe),
        weights=tuple(w_by_lab[lab.lab] for lab in labs),
        sigma_pt=s_pt,
        pmm_alpha=est.pmm_alpha,
        pmm_s=est.pmm_s,
        seed=seed if n_trials is not None else None,
        trials=n_trials,
    )


def _degree(
    lab: LabResult, est: _Estimate, cov: float, cover: float, s_pt: float | None
) -> DegreeOfEquivalence:
    """d, u(d) from u^2(d) = u^2 + u_ref^2 - 2 cov, and the scores; u-based ones need u."""
    d = lab.value - est.value
    u_d = big_u = en = zeta = None
    if lab.u is not None:
        u_d = math.sqrt(max(0.0, lab.u**2 + est.u**2 - 2.0 * cov))
        big_u = cover * u_d
        en = d / big_u if big_u > 0.0 else math.inf * (1.0 if d >= 0 else -1.0)
        zeta = d / math.hypot(lab.u, est.u)
    return DegreeOfEquivalence(
        lab=lab.lab,
        value=lab.value,
        u=lab.u,
        include=lab.include,
        d=d,
        u_d=u_d,
        U_d=big_u,
        En=en,
        zeta=zeta,
        z=None if s_pt is None else d / s_pt,
        z_prime=None if s_pt is None else d / math.hypot(s_pt, est.u),
    )


ScoreClass = Literal["satisfactory", "questionable", "unsatisfactory"]


def classify_score(score: float) -> ScoreClass:
    """Class of a z, z' or zeta score: |s| <= 2, 2 < |s| < 3, |s| >= 3 (ISO 13528 9.4)."""
    ok = _data.number("comparison", "scores", "z", "satisfactory")
    bad = _data.number("comparison", "scores", "z", "unsatisfactory")
    a = abs(score)
    if a <= ok:
        return "satisfactory"
    if a < bad:
        return "questionable"
    return "unsatisfactory"


def en_satisfactory(en: float) -> bool:
    """True when |E_n| <= 1 (ISO 13528 9.7)."""
    return abs(en) <= _data.number("comparison", "scores", "En", "satisfactory")


def evaluate_cox(
    labs: Sequence[LabResult],
    *,
    sigma_pt: float | None = None,
    k: float | None = None,
    seed: int = 20021,
    trials: int | None = None,
) -> ComparisonResult:
    """Cox 2002 decision: Procedure A (weighted mean) when its chi-squared check passes,
    otherwise Procedure B (median with Monte Carlo). The result's ``method`` says which."""
    a = evaluate_comparison(labs, "weighted-mean", sigma_pt=sigma_pt, k=k)
    if a.consistency is not None and a.consistency.consistent:
        return a
    return evaluate_comparison(
        labs, "procedure-b", sigma_pt=sigma_pt, k=k, seed=seed, trials=trials
    )
