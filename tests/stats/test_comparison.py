"""Comparisons: published cases and the shared property suite over every estimator."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from jiliang.stats import (
    METHODS,
    LabResult,
    StatsInputError,
    classify_score,
    en_satisfactory,
    evaluate_comparison,
    read_comparison_csv,
)

# Cox, M. G. (2002) "The evaluation of key comparison data", Metrologia 39, 589-595,
# Procedure A, BIPM example as quoted in issue #5:
# x_ref = 43877, u(x_ref) = 53, chi2_obs = 1.78 on 4 dof -> consistent.
COX_X = (43772.0, 43910.0, 43947.0, 43910.0, 43900.0)
COX_U = (97.0, 100.0, 104.5, 160.0, 280.0)


def cox_labs() -> list[LabResult]:
    return [LabResult(f"L{i + 1}", x, u) for i, (x, u) in enumerate(zip(COX_X, COX_U, strict=True))]


def test_cox_procedure_a_bipm_example() -> None:
    res = evaluate_comparison(cox_labs(), "weighted-mean")
    assert round(res.reference.value) == 43877
    assert round(res.reference.u) == 53
    assert res.consistency is not None
    assert round(res.consistency.chi2, 2) == 1.78
    assert res.consistency.dof == 4
    assert res.consistency.consistent


def test_weighted_mean_doe_uses_correlation_formula() -> None:
    # Cox 2002 eq. (6): u^2(d_i) = u_i^2 - u^2(x_ref) for a lab inside the weighted mean.
    res = evaluate_comparison(cox_labs(), "weighted-mean")
    for d in res.labs:
        assert d.u_d == pytest.approx(math.sqrt(d.u**2 - res.reference.u**2), rel=1e-12)
        assert d.U_d == pytest.approx(2.0 * d.u_d)
        assert d.En == pytest.approx(d.d / d.U_d)
        assert d.zeta == pytest.approx(d.d / math.hypot(d.u, res.reference.u))
        assert d.z is None and d.z_prime is None


def test_excluded_lab_keeps_doe_and_leaves_reference() -> None:
    labs = cox_labs()
    labs[0] = LabResult("L1", COX_X[0], COX_U[0], include=False)
    res = evaluate_comparison(labs, "weighted-mean")
    reduced = evaluate_comparison(cox_labs()[1:], "weighted-mean")
    assert res.reference.value == pytest.approx(reduced.reference.value, rel=1e-14)
    assert res.weights[0] == 0.0
    first = res.labs[0]
    assert not first.include
    assert first.d == pytest.approx(COX_X[0] - res.reference.value)
    # Cox 2002 eq. (7): independent lab, u^2(d_i) = u_i^2 + u^2(x_ref)
    assert first.u_d == pytest.approx(math.hypot(COX_U[0], res.reference.u), rel=1e-12)


def test_pairwise_doe() -> None:
    res = evaluate_comparison(cox_labs(), "weighted-mean")
    pairs = {(p.lab_i, p.lab_j): p for p in res.pairwise()}
    assert len(pairs) == 20
    p = pairs[("L1", "L2")]
    assert p.d == pytest.approx(COX_X[0] - COX_X[1])
    assert pytest.approx(2.0 * math.hypot(COX_U[0], COX_U[1])) == p.U
    assert pairs[("L2", "L1")].d == pytest.approx(-p.d)


def test_dersimonian_laird_tau_zero_when_consistent_equals_weighted_mean() -> None:
    # DerSimonian & Laird 1986: tau^2 = max(0, (Q - (N-1)) / (S1 - S2/S1)); Q = 1.78 < 4.
    dl = evaluate_comparison(cox_labs(), "dersimonian-laird")
    wm = evaluate_comparison(cox_labs(), "weighted-mean")
    assert dl.tau == 0.0
    assert dl.reference.value == pytest.approx(wm.reference.value, rel=1e-14)


def test_dersimonian_laird_tau_positive_when_inconsistent() -> None:
    labs = [LabResult("A", 0.0, 1.0), LabResult("B", 10.0, 1.0), LabResult("C", 20.0, 1.0)]
    res = evaluate_comparison(labs, "dersimonian-laird")
    # equal u: Q = 200, S1 = 3, S2 = 3 -> tau^2 = (200 - 2) / (3 - 1) = 99
    assert res.tau == pytest.approx(math.sqrt(99.0))
    assert res.reference.value == pytest.approx(10.0)
    assert res.reference.u == pytest.approx(math.sqrt(100.0 / 3.0))


def test_pmm_alpha_from_number_of_labs() -> None:
    # Pomme & Keightley 2015: alpha = 2 - 3/N; consistent data need no extra variance s.
    res = evaluate_comparison(cox_labs(), "pmm")
    assert res.pmm_alpha == pytest.approx(2.0 - 3.0 / 5.0)
    assert res.pmm_s == 0.0
    assert sum(res.weights) == pytest.approx(1.0)


def test_pmm_inconsistent_data_reduced_chi2_is_one() -> None:
    labs = [
        LabResult("A", 10.0, 0.1),
        LabResult("B", 11.0, 0.2),
        LabResult("C", 12.5, 0.1),
        LabResult("D", 10.4, 0.3),
    ]
    res = evaluate_comparison(labs, "pmm")
    assert res.pmm_s is not None and res.pmm_s > 0.0
    s2 = res.pmm_s**2
    w = [1.0 / (lab.u**2 + s2) for lab in labs]
    m = sum(wi * lab.value for wi, lab in zip(w, labs, strict=True)) / sum(w)
    chi2 = sum((lab.value - m) ** 2 * wi for wi, lab in zip(w, labs, strict=True))
    assert chi2 / 3.0 == pytest.approx(1.0, rel=1e-9)


def test_procedure_b_median_and_reproducible_seed() -> None:
    a = evaluate_comparison(cox_labs(), "procedure-b", seed=7, trials=20_000)
    b = evaluate_comparison(cox_labs(), "procedure-b", seed=7, trials=20_000)
    assert a == b
    assert a.reference.value == 43910.0  # Cox 2002 Procedure B: the median of the x_i
    assert a.seed == 7 and a.trials == 20_000


def test_algorithm_a_sigma_pt_defaults_to_s_star_and_z_scores() -> None:
    labs = [LabResult(f"P{i}", v, 1.0) for i, v in enumerate([10, 11, 12, 13, 14, 100])]
    res = evaluate_comparison(labs, "algorithm-a", trials=2000)
    # ISO 13528 Algorithm A published case (issue #5): x* = 12.870, s* = 2.901
    assert round(res.reference.value, 3) == 12.870
    assert res.sigma_pt is not None and round(res.sigma_pt, 3) == 2.901
    assert res.reference.u == pytest.approx(1.25 * res.sigma_pt / math.sqrt(6))
    last = res.labs[-1]
    assert last.z == pytest.approx((100 - res.reference.value) / res.sigma_pt)
    assert classify_score(last.z or 0.0) == "unsatisfactory"


def test_score_limits() -> None:
    # ISO 13528 9.4-9.7: |z| <= 2 satisfactory, 2 < |z| < 3 questionable, >= 3 unsatisfactory
    assert classify_score(2.0) == "satisfactory"
    assert classify_score(-2.5) == "questionable"
    assert classify_score(3.0) == "unsatisfactory"
    assert en_satisfactory(1.0) and not en_satisfactory(-1.01)


def test_sigma_pt_gives_z_and_z_prime() -> None:
    res = evaluate_comparison(cox_labs(), "weighted-mean", sigma_pt=100.0)
    for d in res.labs:
        assert d.z == pytest.approx(d.d / 100.0)
        assert d.z_prime == pytest.approx(d.d / math.hypot(100.0, res.reference.u))


@pytest.mark.parametrize(
    ("labs", "method", "field"),
    [
        ([LabResult("A", 1.0, 1.0)], "weighted-mean", "include"),
        ([LabResult("A", 1.0, 1.0), LabResult("A", 2.0, 1.0)], "pmm", "lab"),
        ([LabResult("A", 1.0, 1.0), LabResult("B", 2.0, 1.0)], "median", "method"),
        ([LabResult("A", 1.0, 1.0), LabResult("B", 2.0, 1.0)], "algorithm-a", "include"),
    ],
)
def test_bad_input_is_typed(labs: list[LabResult], method: str, field: str) -> None:
    with pytest.raises(StatsInputError) as err:
        evaluate_comparison(labs, method)
    assert err.value.field == field


def test_lab_result_validates() -> None:
    with pytest.raises(StatsInputError, match="u of A"):
        LabResult("A", 1.0, 0.0)
    with pytest.raises(StatsInputError):
        LabResult("A", math.nan, 1.0)


def test_read_csv_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "ok.csv"
    good.write_text("lab,value,u,dof,include\nA,1.0,0.1,10,true\nB,1.2,0.2,,no\n")
    labs = read_comparison_csv(good)
    assert labs == (LabResult("A", 1.0, 0.1, 10.0, True), LabResult("B", 1.2, 0.2, None, False))
    cases = {
        "lab,value,dof\nA,1,3\n": (1, "dof"),  # no u column is fine; dof without u is not
        "lab,value,u\nA,1,0.1\nB,zz,0.1\n": (3, "value"),
        "lab,value,u\nA,1,-1\n": (2, "u"),
        "lab,value,u,include\nA,1,1,maybe\n": (2, "include"),
        "lab,value,u\nA,1,1\nA,2,1\n": (3, "lab"),
        "lab,value,u,colour\nA,1,1,red\n": (1, "colour"),
    }
    for i, (text, (row, field)) in enumerate(cases.items()):
        bad = tmp_path / f"bad{i}.csv"
        bad.write_text(text)
        with pytest.raises(StatsInputError) as err:
            read_comparison_csv(bad)
        assert (err.value.row, err.value.field, err.value.source) == (row, field, str(bad))


# ---- shared property suite: every estimator --------------------------------------------

# values on a 0.001 grid and u in [0.01, 100]: the range a comparison table really holds
_lab = hs.tuples(
    hs.integers(-1_000_000, 1_000_000).map(lambda v: v / 1000.0),
    hs.integers(10, 100_000).map(lambda v: v / 1000.0),
)
_labsets = hs.lists(_lab, min_size=3, max_size=8)


def _build(rows: list[tuple[float, float]], shift: float = 0.0) -> list[LabResult]:
    return [LabResult(f"L{i}", x + shift, u) for i, (x, u) in enumerate(rows)]


def _run(labs: list[LabResult], method: str) -> object:
    return evaluate_comparison(labs, method, seed=3, trials=400)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=20, deadline=None)
@given(rows=_labsets, shift=hs.integers(-1_000_000, 1_000_000).map(lambda v: v / 1000.0))
def test_estimator_properties(method: str, rows: list[tuple[float, float]], shift: float) -> None:
    labs = _build(rows)
    if method == "algorithm-a":
        med = statistics.median(x for x, _ in rows)
        if statistics.median(abs(x - med) for x, _ in rows) == 0.0:
            with pytest.raises(StatsInputError):
                _run(labs, method)
            return
    res = evaluate_comparison(labs, method, seed=3, trials=400)
    values = [x for x, _ in rows]
    span = max(values) - min(values)
    tol = 1e-9 * (1.0 + max(abs(v) for v in values))
    # the reference lies within the range of the contributing values
    assert min(values) - tol <= res.reference.value <= max(values) + tol
    assert res.reference.u > 0.0
    assert pytest.approx(res.reference.k * res.reference.u) == res.reference.U
    for lab, d in zip(labs, res.labs, strict=True):
        assert d.d == pytest.approx(lab.value - res.reference.value, abs=tol)
        assert d.u_d >= 0.0
    # permutation invariance
    rev = evaluate_comparison(list(reversed(labs)), method, seed=3, trials=400)
    if method in ("weighted-mean", "dersimonian-laird", "pmm"):
        assert rev.reference.value == pytest.approx(res.reference.value, abs=tol + 1e-9 * span)
    # translation equivariance of the reference value
    moved = evaluate_comparison(_build(rows, shift), method, seed=3, trials=400)
    assert moved.reference.value == pytest.approx(
        res.reference.value + shift, abs=1e-7 * (1.0 + abs(shift) + span)
    )
    # an excluded extra lab does not move the reference and gets u_i^2 + u_ref^2
    extra = [*labs, LabResult("X", values[0] + 5.0, 1.0, include=False)]
    ex = evaluate_comparison(extra, method, seed=3, trials=400)
    assert ex.reference.value == pytest.approx(res.reference.value, abs=tol)
    assert ex.labs[-1].u_d == pytest.approx(math.hypot(1.0, ex.reference.u))


def test_evaluate_cox_chooses_procedure() -> None:
    from jiliang.stats import evaluate_cox

    # Cox 2002 BIPM example is consistent -> Procedure A
    assert evaluate_cox(cox_labs()).method == "weighted-mean"
    spread = [LabResult("A", 0.0, 1.0), LabResult("B", 10.0, 1.0), LabResult("C", 20.0, 1.0)]
    res = evaluate_cox(spread, trials=1000)
    assert res.method == "procedure-b" and res.reference.value == 10.0
    assert res.consistency is not None and not res.consistency.consistent


def test_too_few_trials_is_refused_before_any_work() -> None:
    labs = [LabResult("A", 1.0, 1.0), LabResult("B", 2.0, 1.0)]
    with pytest.raises(StatsInputError) as err:
        evaluate_comparison(labs, "procedure-b", trials=5)
    assert err.value.field == "trials"
