"""Mandel's h and k (ISO 5725-2) and the report figures."""

from __future__ import annotations

import io

import pytest

from jiliang.stats import (
    BinnedReliability,
    LabResult,
    StatsInputError,
    attribute_plan,
    evaluate_comparison,
    interval_s2,
    mandel_critical_h,
    mandel_critical_k,
    mandel_h_k,
    plot_degrees_of_equivalence,
    plot_mandel,
    plot_oc_curve,
    plot_reliability,
)

TABLE = {
    "A": [10.1, 10.3, 10.2],
    "B": [10.0, 9.9, 10.1],
    "C": [10.6, 10.4, 10.5],
    "D": [10.2, 10.0, 10.5],
}


def test_mandel_identities() -> None:
    # ISO 5725-2 7.3.1: h_i = (ybar_i - ybar)/s(ybar_i), k_i = s_i sqrt(p)/sqrt(sum s^2),
    # so sum h = 0, sum h^2 = p - 1 and sum k^2 = p.
    res = mandel_h_k(TABLE)
    p = len(TABLE)
    assert sum(res.h) == pytest.approx(0.0, abs=1e-12)
    assert sum(h * h for h in res.h) == pytest.approx(p - 1)
    assert sum(k * k for k in res.k) == pytest.approx(p)


def test_mandel_critical_values_iso_5725_2_table_6() -> None:
    # ISO 5725-2 Table 6, p = 3 laboratories: h = 1.15 (1 % and 5 %);
    # k with n = 2 replicates: 1.71 (1 %) and 1.65 (5 %).
    assert round(mandel_critical_h(3, 0.01), 2) == 1.15
    assert round(mandel_critical_h(3, 0.05), 2) == 1.15
    assert round(mandel_critical_k(3, 2, 0.01), 2) == 1.71
    assert round(mandel_critical_k(3, 2, 0.05), 2) == 1.65


def test_mandel_bad_input() -> None:
    with pytest.raises(StatsInputError):
        mandel_h_k({"A": [1.0, 2.0], "B": [1.0, 2.0]})
    with pytest.raises(StatsInputError):
        mandel_h_k({"A": [1.0], "B": [1.0, 2.0], "C": [1.0, 2.0]})


def _png(fig: object) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # type: ignore[attr-defined]
    return buf.getvalue()


def test_figures_render() -> None:
    labs = [
        LabResult("A", 1.0, 0.1),
        LabResult("B", 1.2, 0.1),
        LabResult("C", 0.9, 0.2, None, False),
    ]
    res = evaluate_comparison(labs)
    fig = plot_degrees_of_equivalence(res, unit="mg")
    assert len(fig.axes[0].containers) == 3  # one error bar per lab
    assert _png(fig).startswith(b"\x89PNG")
    assert _png(plot_mandel(mandel_h_k(TABLE))).startswith(b"\x89PNG")
    plan = attribute_plan(0.01, 0.05, 0.07, 0.05)
    assert _png(plot_oc_curve({"plan": plan.oc_curve()})).startswith(b"\x89PNG")
    data = BinnedReliability((100.0, 200.0, 300.0), (50, 50, 50), (0.95, 0.9, 0.8))
    assert _png(plot_reliability(interval_s2(data, 0.9), data)).startswith(b"\x89PNG")
