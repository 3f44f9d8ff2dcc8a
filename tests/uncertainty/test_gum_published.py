"""GUM framework against the published worked examples of JCGM 100:2008 and JCGM 101:2008.

Every expected number is quoted from the cited clause or table; tolerances reflect the number
of digits the reference prints.
"""

from __future__ import annotations

import math

import pytest

from jiliang.uncertainty import (
    Model,
    Rectangular,
    evaluate_gum,
    fit_straight_line,
    load_model,
    type_a,
    type_b,
    ureal,
)

from .conftest import EXAMPLES

# GUM Table H.2: five sets of simultaneous observations of V (V), I (mA), phi (rad)
H2_V = (5.007, 4.994, 5.005, 4.990, 4.999)
H2_I = (19.663, 19.639, 19.640, 19.685, 19.678)
H2_PHI = (1.0456, 1.0438, 1.0468, 1.0428, 1.0433)


@pytest.mark.parametrize("name", ["gum_h1_end_gauge.yaml", "gum_h1_end_gauge_components.yaml"])
def test_gum_h1_end_gauge(name: str) -> None:
    # GUM H.1 (Table H.1 and text): l = 50.000 838 mm, u_c(l) = 32 nm (31.7 before rounding);
    # nu_eff(l) = 16.7, t_99(16) = 2.92, U_99 = 93 nm (92 with nu = 16.7, u_c = 31.7)
    model = load_model(EXAMPLES / name)
    r = evaluate_gum(model, probability=0.99).results[0]
    assert r.unit == "mm"
    assert r.value == pytest.approx(50.000838, abs=1e-6)
    assert r.u * 1e6 == pytest.approx(31.7, abs=0.05)
    assert r.dof == pytest.approx(16.7, abs=0.1)
    assert 2.90 <= r.k <= 2.92
    expanded = r.U
    assert expanded == pytest.approx(92e-6, abs=0.5e-6)  # issue #3: U_99 ≈ 92 nm (in mm)


@pytest.mark.parametrize("name", ["gum_h1_end_gauge.yaml", "gum_h1_end_gauge_components.yaml"])
def test_gum_h1_second_order(name: str) -> None:
    # GUM H.1, second-order terms (GUM 5.1.2 note): u_c(l) = 34 nm
    r = evaluate_gum(load_model(EXAMPLES / name), probability=0.99, second_order=True)
    assert r.results[0].u * 1e6 == pytest.approx(34, abs=0.5)


def test_gum_h1_budget_contributions() -> None:
    # GUM Table H.1: |c_i| u(x_i) = 25 nm (l_s), 9.7 nm (d), 2.9 nm (delta alpha),
    # 16.6 nm (delta theta); alpha_s and theta contribute 0 to first order
    r = evaluate_gum(load_model(EXAMPLES / "gum_h1_end_gauge.yaml")).results[0]
    contrib = {row.input: row.contribution * 1e6 for row in r.budget}  # mm -> nm
    assert contrib["ls"] == pytest.approx(25, abs=0.05)
    assert contrib["d"] == pytest.approx(9.7, abs=0.05)
    assert contrib["dalpha"] == pytest.approx(2.9, abs=0.05)
    assert contrib["dtheta"] == pytest.approx(16.6, abs=0.05)
    assert contrib["alpha_s"] == 0
    assert contrib["theta"] == 0


def test_gum_h2_results_and_correlations() -> None:
    # GUM H.2, Table H.4: R = 127.732 ohm, u = 0.071; X = 219.847, u = 0.295;
    # Z = 254.260, u = 0.236; r(R,X) = -0.588, r(R,Z) = -0.485, r(X,Z) = 0.993
    ev = evaluate_gum(load_model(EXAMPLES / "gum_h2_impedance.yaml"))
    R, X, Z = ev["R"], ev["X"], ev["Z"]
    assert R.value == pytest.approx(127.732, abs=5e-4)
    assert R.u == pytest.approx(0.071, abs=5e-4)
    assert X.value == pytest.approx(219.847, abs=5e-4)
    assert X.u == pytest.approx(0.295, abs=1e-3)
    assert Z.value == pytest.approx(254.260, abs=5e-4)
    assert Z.u == pytest.approx(0.236, abs=5e-4)
    names = list(ev.names)
    c = ev.correlation
    assert c[names.index("R"), names.index("X")] == pytest.approx(-0.588, abs=5e-4)
    assert c[names.index("R"), names.index("Z")] == pytest.approx(-0.485, abs=5e-4)
    assert c[names.index("X"), names.index("Z")] == pytest.approx(0.993, abs=5e-4)


def test_gum_h2_input_correlations_from_the_data() -> None:
    # GUM Table H.3: r(V,I) = -0.36, r(V,phi) = 0.86, r(I,phi) = -0.65
    m = load_model(EXAMPLES / "gum_h2_impedance.yaml")
    r = m.correlation
    assert r[0, 1] == pytest.approx(-0.36, abs=0.005)
    assert r[0, 2] == pytest.approx(0.86, abs=0.005)
    assert r[1, 2] == pytest.approx(-0.65, abs=0.005)


def test_gum_h2_dof_is_willink_ensemble_not_meaningless() -> None:
    # GTC documentation, type_a.multi_estimate_real / multiple_ureal applied to GUM H.2
    # (Willink, Metrologia 44 (2007) 340, sec. 4.1): nu = 4 for R, X and Z (n = 5 sets).
    ev = evaluate_gum(load_model(EXAMPLES / "gum_h2_impedance.yaml"))
    for r in ev.results:
        assert r.dof == pytest.approx(4.0, abs=1e-9)


def test_correlated_inputs_without_an_ensemble_have_undefined_dof() -> None:
    # GUM H.2 inputs with the GUM's rounded correlations (Table H.3) but not declared as
    # one sample: Welch-Satterthwaite would give nonsense (about 0.13); we report None.
    V, Ii, P = type_a(H2_V), type_a(H2_I), type_a(H2_PHI)
    m = Model(
        {"V": V, "I": Ii, "phi": P},
        {"R": "V/I*cos(phi)*1000"},
        correlations=[("V", "I", -0.36), ("V", "phi", 0.86), ("I", "phi", -0.65)],
    )
    r = evaluate_gum(m).results[0]
    assert r.dof is None
    assert "ensemble" in r.dof_reason
    assert r.value == pytest.approx(127.732, abs=5e-4)  # GUM Table H.4


def test_gum_h3_thermometer_line_fit() -> None:
    # GUM H.3, Table H.6 data, t0 = 20 degC. Published in GUM H.3:
    # y1 = -0.1712 degC, s(y1) = 0.0029; y2 = 0.00218, s(y2) = 0.00067; r = -0.930;
    # s = 0.0035 degC; b(30 degC) = -0.1494 degC, u = 0.0041 degC
    t = (21.521, 22.012, 22.512, 23.003, 23.507, 23.999, 24.513, 25.002, 25.503, 26.010, 26.511)
    b = (-0.171, -0.169, -0.166, -0.159, -0.164, -0.165, -0.156, -0.157, -0.159, -0.161, -0.160)
    fit = fit_straight_line(t, b, x0=20.0)
    assert fit.intercept == pytest.approx(-0.1712, abs=5e-5)
    assert fit.u_intercept == pytest.approx(0.0029, abs=5e-5)
    assert fit.slope == pytest.approx(0.00218, abs=5e-6)
    assert fit.u_slope == pytest.approx(0.00067, abs=5e-6)
    assert fit.correlation == pytest.approx(-0.930, abs=5e-4)
    assert fit.s == pytest.approx(0.0035, abs=5e-5)
    assert fit.dof == 9
    value, u = fit.predict(30.0)
    assert value == pytest.approx(-0.1494, abs=5e-5)
    assert u == pytest.approx(0.0041, abs=5e-5)
    # the same prediction through a model with the fitted parameters as an ensemble
    ins, cors, ens = fit.inputs("y1", "y2")
    m = Model(
        ins,
        {"b": "y1 + y2*(t - t0)"},
        correlations=cors,
        ensembles=ens,
        constants={"t": 30.0, "t0": 20.0},
    )
    r = evaluate_gum(m).results[0]
    assert r.value == pytest.approx(-0.1494, abs=5e-5)
    assert r.u == pytest.approx(0.0041, abs=5e-5)
    assert r.dof == pytest.approx(9.0)  # one sample of n = 11 points: nu = n - 2


def test_jcgm101_9_3_mass_gum_first_and_second_order() -> None:
    # JCGM 101:2008 Table 11: GUF u(dm) = 0.0539 mg; GUF with higher-order terms 0.0750 mg;
    # estimate 1.2340 mg
    m = load_model(EXAMPLES / "jcgm101_9_3_mass.yaml")
    r1 = evaluate_gum(m).results[0]
    assert r1.value == pytest.approx(1.2340, abs=5e-5)
    assert r1.u == pytest.approx(0.0539, abs=5e-5)
    assert r1.interval[0] == pytest.approx(1.1285, abs=1e-4)  # Table 11: [1.1285, 1.3395]
    assert r1.interval[1] == pytest.approx(1.3395, abs=1e-4)
    r2 = evaluate_gum(m, second_order=True).results[0]
    assert r2.u == pytest.approx(0.0750, abs=5e-5)
    assert r2.interval[0] == pytest.approx(1.0870, abs=1e-4)  # Table 11: [1.0870, 1.3810]
    assert r2.interval[1] == pytest.approx(1.3810, abs=1e-4)


def test_jcgm101_9_2_gum_interval() -> None:
    # JCGM 101:2008 Tables 2 and 3, GUF row: y = 0.00, u(y) = 2.00, [-3.92, 3.92]
    for name in ("jcgm101_9_2_2_normal.yaml", "jcgm101_9_2_3_rectangular.yaml"):
        r = evaluate_gum(load_model(EXAMPLES / name)).results[0]
        assert r.u == pytest.approx(2.00, abs=5e-3)
        assert r.interval[0] == pytest.approx(-3.92, abs=5e-3)
        assert r.interval[1] == pytest.approx(3.92, abs=5e-3)


def test_callable_model_gives_the_same_sensitivities_as_the_expression() -> None:
    # GUM H.1 again, as a numpy callable: the published u_c = 31.7 nm, nu_eff = 16.7
    import numpy as np

    inputs = {
        "ls": ureal(50000623.6, 25, 18),
        "d": ureal(215, 9.7, 25.6),
        "alpha_s": type_b(Rectangular(11.5e-6, 2e-6)),
        "theta": ureal(-0.1, 0.41),
        "dalpha": type_b(Rectangular(0, 1e-6), 50),
        "dtheta": type_b(Rectangular(0, 0.05), 2),
    }

    def f(ls, d, alpha_s, theta, dalpha, dtheta):  # type: ignore[no-untyped-def]
        return ls + d - ls * (dalpha * theta + alpha_s * dtheta) + 0 * np.sqrt(ls)

    r = evaluate_gum(Model.from_function(f, inputs, ["l"])).results[0]
    assert r.u == pytest.approx(31.7, abs=0.05)
    assert r.dof == pytest.approx(16.7, abs=0.1)
    r2 = evaluate_gum(Model.from_function(f, inputs, ["l"]), second_order=True).results[0]
    assert r2.u == pytest.approx(34, abs=0.5)  # GUM H.1, second-order terms
    assert math.isfinite(r2.u)


def test_budget_shares_add_up_with_correlations() -> None:
    # GUM H.2 (correlated ensemble): the covariance-aware shares of u_c^2 add up to 1
    # (u_c(R) = 0.071 ohm, GUM Table H.4)
    r = evaluate_gum(load_model(EXAMPLES / "gum_h2_impedance.yaml"))["R"]
    assert sum(row.share for row in r.budget) == pytest.approx(1.0)
    assert r.u == pytest.approx(0.071, abs=5e-4)


def test_correlated_inputs_with_infinite_dof_keep_infinite_dof() -> None:
    # Welch-Satterthwaite (GUM G.4.1): inputs with nu = inf add nothing to the denominator,
    # correlated or not; y = a + b with r = 0.5 gives u^2 = 1 + 1 + 2 * 0.5 = 3 (GUM eq. 13)
    m = Model({"a": ureal(0, 1), "b": ureal(0, 1)}, {"y": "a + b"}, correlations=[("a", "b", 0.5)])
    r = evaluate_gum(m).results[0]
    assert r.dof == math.inf
    assert r.u**2 == pytest.approx(3.0)
