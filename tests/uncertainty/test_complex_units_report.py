"""Complex quantities (JCGM 102 linearisation), pint units, and the reporting helpers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from jiliang.uncertainty import (
    Model,
    UncertaintyError,
    UnitError,
    budget_html,
    budget_json,
    budget_text,
    concise,
    evaluate_complex,
    evaluate_gum,
    evaluate_mc,
    load_model,
    plot_histogram,
    type_a,
    ucomplex,
    ucomplex_polar,
    ureal,
)

from .conftest import EXAMPLES

# GUM Table H.2 observations
V = (5.007, 4.994, 5.005, 4.990, 4.999)
I_MA = (19.663, 19.639, 19.640, 19.685, 19.678)
PHI = (1.0456, 1.0438, 1.0468, 1.0428, 1.0433)


def _r(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_gum_h2_as_a_complex_quotient() -> None:
    # Z = (V e^{j phi}) / I with the voltage phasor as a polar complex input.
    # GUM Table H.4: R = 127.732 (0.071) ohm, X = 219.847 (0.295) ohm, r(R, X) = -0.588,
    # |Z| = 254.260 (0.236) ohm; nu = 4 for the ensemble (GTC docs, multiple_ucomplex).
    v, i, p = type_a(V), type_a(I_MA), type_a(PHI)
    phasor = ucomplex_polar(v.value, p.value, v.u, p.u, _r(V, PHI), dof=4)
    ev = evaluate_complex(
        lambda Vp, cur: Vp / (cur * 1e-3),
        {"Vp": phasor, "cur": i},
        correlations=[("Vp_mag", "cur", _r(V, I_MA)), ("cur", "Vp_phase", _r(I_MA, PHI))],
        ensembles=[["Vp_mag", "Vp_phase", "cur"]],
    )
    z = ev["z"]
    assert z.value.real == pytest.approx(127.732, abs=5e-4)
    assert z.value.imag == pytest.approx(219.847, abs=5e-4)
    assert z.u[0] == pytest.approx(0.071, abs=5e-4)
    assert z.u[1] == pytest.approx(0.295, abs=1e-3)
    assert z.correlation == pytest.approx(-0.588, abs=5e-4)
    mag, phase, cov = z.polar()
    assert mag == pytest.approx(254.260, abs=5e-4)
    assert math.sqrt(cov[0, 0]) == pytest.approx(0.236, abs=5e-4)
    assert phase == pytest.approx(1.04446, abs=1e-5)  # GUM Table H.2 mean phase
    assert z.dof_re == pytest.approx(4.0) and z.dof_im == pytest.approx(4.0)


def test_complex_product_of_independent_inputs() -> None:
    # JCGM 102 law of propagation U_w = C U_z C^T; for w = z1 z2 the matrix C of (Re, Im) is
    # [[x2, -y2, x1, -y1], [y2, x2, y1, x1]]; with z1 = 1 + 2j, z2 = 3 - 1j, u = 0.1 each
    # component: V(Re w) = 0.01 (3^2 + 1^2 + 1^2 + 2^2) = 0.15, V(Im w) = 0.15, cov = 0
    ev = evaluate_complex(
        lambda a, b: a * b, {"a": ucomplex(1 + 2j, 0.1), "b": ucomplex(3 - 1j, 0.1)}
    )
    w = ev["z"]
    assert w.value == pytest.approx((1 + 2j) * (3 - 1j))
    assert w.covariance == pytest.approx(np.array([[0.15, 0.0], [0.0, 0.15]]))


def test_complex_model_runs_by_monte_carlo_too() -> None:
    from jiliang.uncertainty import complex_model

    m = complex_model(lambda a: 1 / a, {"a": ucomplex(2 + 0j, 0.001)})
    ev = evaluate_mc(m, 50_000, seed=1)
    # 1/a near a = 2: d(1/a)/da = -1/4, so u(Re) = 0.001/4 (JCGM 102 linear case)
    assert ev["z_re"].value == pytest.approx(0.5, abs=1e-5)
    assert ev["z_re"].u == pytest.approx(0.00025, rel=0.02)


def test_bad_complex_covariance() -> None:
    with pytest.raises(UncertaintyError, match="positive semi-definite"):
        ucomplex(1j, [[1.0, 2.0], [2.0, 1.0]])


def test_units_convert_terms_and_outputs() -> None:
    # GUM H.2 example file: V in volt, I in milliampere, Z declared in ohm (V/mA = 1000 ohm)
    ev = evaluate_gum(load_model(EXAMPLES / "gum_h2_impedance.yaml"))
    assert ev["Z"].value == pytest.approx(254.260, abs=5e-4)  # GUM Table H.4
    m = Model(
        {"a": ureal(1.0, 0.001, unit="m"), "b": ureal(5.0, 1.0, unit="mm")},
        {"s": "a + b"},
        output_units={"s": "mm"},
    )
    r = evaluate_gum(m).results[0]
    assert r.value == pytest.approx(1005.0)
    assert r.u == pytest.approx(math.hypot(1.0, 1.0))
    assert r.unit == "mm"


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("a + t", "cannot add"),
        ("exp(a)", "exp() needs a dimensionless argument"),
        ("a ** t", "exponent must be dimensionless"),
        ("atan2(a, t)", "atan2() needs arguments of one dimension"),
    ],
)
def test_dimension_errors_name_the_output(expr: str, fragment: str) -> None:
    with pytest.raises(UnitError) as exc:
        Model({"a": ureal(1.0, 0.1, unit="m"), "t": ureal(2.0, 0.1, unit="s")}, {"q": expr})
    assert "output 'q'" in str(exc.value)
    assert fragment in str(exc.value)


def test_output_unit_must_match_the_dimension() -> None:
    with pytest.raises(UnitError, match="not convertible to 'kg'"):
        Model({"a": ureal(1.0, 0.1, unit="m")}, {"q": "a"}, output_units={"q": "kg"})


def test_sqrt_and_abs_keep_units() -> None:
    m = Model({"a": ureal(4.0, 0.1, unit="m**2")}, {"q": "sqrt(abs(a))"}, output_units={"q": "cm"})
    assert evaluate_gum(m).results[0].value == pytest.approx(200.0)


def test_concise_notation() -> None:
    # GUM 7.2.2 example: m_s = 100.021 47 g with u_c = 0.35 mg -> "100.02147(35) g"
    assert concise(100.02147, 0.00035, 2, "g") == "100.02147(35) g"
    # the form for GUM H.1 (u_c = 32 nm = 0.000032 mm)
    assert concise(50.000838, 0.000032, 2, "mm") == "50.000838(32) mm"
    assert concise(1.2340, 0.0539) == "1.234(54)"  # JCGM 101 Table 11 GUF
    assert concise(0.99, 0.0996) == "0.99(10)"  # u rounds up to a new decade


def test_budget_tables() -> None:
    # GUM Table H.1 contributions: 25 nm (l_s) and 16.6 nm (delta theta)
    r = evaluate_gum(load_model(EXAMPLES / "gum_h1_end_gauge.yaml"), probability=0.99).results[0]
    text = budget_text(r)
    assert "l = 50.000839(32) mm" in text
    assert "dtheta" in text and "rectangular" in text
    rows = budget_json(r)
    assert rows[0]["input"] == "ls" and rows[0]["contribution"] * 1e6 == pytest.approx(25.0)
    assert sum(row["share"] for row in rows) == pytest.approx(1.0)
    html = budget_html(r)
    assert html.count("<tr>") == 1 + len(r.budget)
    m = Model({"x_lt": ureal(1, 0.1)}, {"y": "x_lt"}, title="<script>")
    assert "<script>" not in budget_html(evaluate_gum(m).results[0])


def test_histogram_figure(tmp_path: Path) -> None:
    m = load_model(EXAMPLES / "jcgm101_9_3_mass.yaml")
    mc = evaluate_mc(m, 20_000, seed=1)
    out = plot_histogram(mc, evaluate_gum(m).results[0], "dm", tmp_path / "dm.svg")
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
