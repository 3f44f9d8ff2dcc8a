"""A proficiency test that collected values only (`lab,value`): Algorithm A, and clear refusals.

Issue 13 §6: `jiliang stats comparison FILE --method algorithm-a` must accept a file without
uncertainties (ISO 13528 Algorithm A needs none); methods that weight by u must say which
column is missing.

Hand computation (ISO 13528:2022 Annex C.3.1 equations, worked here in closed form):
values 9.0, 9.5, 10.0, 10.5, 11.0 and one outlier 20.0 (p = 6). Start: x* = median = 10.25,
s* = 1.483 * MAD = 1.483 * 0.75. At the fixed point only the outlier is clipped, to
x* + 1.5 s*, so with the other five values (sum S = 50, mean 10, SS = sum (x - mean)^2 = 2.5)

    x* = (S + 1.5 s*) / 5
    s*^2 = 1.134^2 / 5 * (SS + 5 (10 - x*)^2 + (1.5 s*)^2)

and since 10 - x* = -1.5 s*/5:  s*^2 (1 - 2.25 * 1.134^2 * 6 / 25) = 1.134^2 * 2.5 / 5, i.e.
s*^2 = 0.642978 / 0.30558395 = 2.1040974, s* = 1.4505507, x* = (50 + 2.1758261) / 5 =
10.4351652. Check of the clipping pattern: x* - 1.5 s* = 8.26 < 9.0, x* + 1.5 s* = 12.61 lies
between 11.0 and 20.0. u(x_pt) = 1.25 s* / sqrt(6) = 0.7402311 (7.7.3); with sigma_pt = s*,
z(20.0) = (20 - 10.4351652) / 1.4505507 = 6.5939333 and z(9.0) = -0.9893933.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiliang.cli.stats import app
from jiliang.stats import (
    LabResult,
    StatsInputError,
    evaluate_comparison,
    read_comparison_csv,
)

runner = CliRunner()
VALUES = {"L1": 9.0, "L2": 9.5, "L3": 10.0, "L4": 10.5, "L5": 11.0, "L6": 20.0}
PT_CSV = "lab,value\n" + "".join(f"{k},{v}\n" for k, v in VALUES.items())
X_STAR = 10.4351652186
S_STAR = 1.4505507288
U_XPT = 0.7402310691


def _labs() -> list[LabResult]:
    return [LabResult(k, v, None) for k, v in VALUES.items()]


def test_algorithm_a_without_u_matches_hand_computation() -> None:
    res = evaluate_comparison(_labs(), "algorithm-a")
    assert res.reference.value == pytest.approx(X_STAR, rel=1e-9)
    assert res.sigma_pt == pytest.approx(S_STAR, rel=1e-9)
    assert res.reference.u == pytest.approx(U_XPT, rel=1e-9)
    assert pytest.approx(2 * U_XPT, rel=1e-9) == res.reference.U
    by_lab = {d.lab: d for d in res.labs}
    assert by_lab["L6"].z == pytest.approx(6.5939333, rel=1e-7)
    assert by_lab["L1"].z == pytest.approx(-0.9893933, rel=1e-6)
    assert by_lab["L1"].z_prime == pytest.approx(
        (9.0 - X_STAR) / math.hypot(S_STAR, U_XPT), rel=1e-8
    )
    for d in res.labs:
        assert d.u is None and d.u_d is None and d.U_d is None
        assert d.En is None and d.zeta is None
    # no Monte Carlo without u: nothing seeded, no weights, no pairwise U
    assert res.seed is None and res.trials is None
    assert res.weights == (None,) * 6
    assert all(p.U is None for p in res.pairwise())


def test_given_sigma_pt_is_used_for_z() -> None:
    res = evaluate_comparison(_labs(), "algorithm-a", sigma_pt=2.0)
    assert res.labs[-1].z == pytest.approx((20.0 - X_STAR) / 2.0, rel=1e-9)


@pytest.mark.parametrize("method", ["weighted-mean", "procedure-b", "dersimonian-laird", "pmm"])
def test_methods_that_need_u_name_the_column(method: str) -> None:
    with pytest.raises(StatsInputError) as err:
        evaluate_comparison(_labs(), method)
    assert err.value.field == "u"
    assert "L1" in err.value.reason and "algorithm-a" in err.value.reason


def test_mixed_u_is_refused() -> None:
    labs = [LabResult("A", 1.0, 0.1), LabResult("B", 1.2, None), LabResult("C", 1.1, 0.1)]
    with pytest.raises(StatsInputError, match="not for B") as err:
        evaluate_comparison(labs, "algorithm-a")
    assert err.value.field == "u"


def test_dof_without_u_is_refused() -> None:
    with pytest.raises(StatsInputError) as err:
        LabResult("A", 1.0, None, dof=5.0)
    assert err.value.field == "dof"


def test_read_csv_without_u(tmp_path: Path) -> None:
    f = tmp_path / "pt.csv"
    f.write_text(PT_CSV)
    labs = read_comparison_csv(f)
    assert [(lab.lab, lab.value, lab.u) for lab in labs] == [
        (k, v, None) for k, v in VALUES.items()
    ]
    inc = tmp_path / "inc.csv"
    inc.write_text("lab,value,include\nA,1,yes\nB,2,no\n")
    assert [lab.include for lab in read_comparison_csv(inc)] == [True, False]


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        ("lab,value,dof\nA,1,3\n", 1, "dof"),  # dof is the degrees of freedom of u
        ("lab,u\nA,1\n", 1, "value"),
        ("lab,value,u\nA,1,0.1\nB,2,\n", 3, "u"),  # a u column: every cell is a number
        ("lab,value\nA,1\nB,x\n", 3, "value"),
    ],
)
def test_read_csv_errors(tmp_path: Path, text: str, row: int, field: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(StatsInputError) as err:
        read_comparison_csv(f)
    assert (err.value.source, err.value.row, err.value.field) == (str(f), row, field)


def test_cli_algorithm_a_accepts_values_only(tmp_path: Path) -> None:
    f = tmp_path / "pt.csv"
    f.write_text(PT_CSV)
    out = runner.invoke(app, ["comparison", str(f), "--method", "algorithm-a", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["reference"]["value"] == pytest.approx(X_STAR, rel=1e-9)
    assert data["sigma_pt"] == pytest.approx(S_STAR, rel=1e-9)
    assert data["seed"] is None and data["trials"] is None
    last = data["labs"][-1]
    assert last["u"] is None and last["En"] is None and last["U_d"] is None
    assert last["z"] == pytest.approx(6.5939333, rel=1e-7)
    text = runner.invoke(app, ["comparison", str(f), "--method", "algorithm-a"])
    assert text.exit_code == 0, text.output
    assert "reference: 10.4352" in text.stdout
    assert "sigma_pt = 1.451" in text.stdout
    row = next(line for line in text.stdout.splitlines() if line.startswith("L6"))
    assert row.split() == ["L6", "9.565", "-", "-", "-", "6.59"]


def test_cli_plot_without_u(tmp_path: Path) -> None:
    f = tmp_path / "pt.csv"
    f.write_text(PT_CSV)
    png = tmp_path / "doe.png"
    out = runner.invoke(app, ["comparison", str(f), "--method", "algorithm-a", "--plot", str(png)])
    assert out.exit_code == 0, out.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("method", ["weighted-mean", "pmm"])
def test_cli_method_needing_u_names_file_and_column(tmp_path: Path, method: str) -> None:
    f = tmp_path / "pt.csv"
    f.write_text(PT_CSV)
    out = runner.invoke(app, ["comparison", str(f), "--method", method])
    assert out.exit_code == 2
    assert out.stdout == ""
    assert f"{f}, row 1, field 'u': missing column 'u'" in out.stderr
    assert "algorithm-a" in out.stderr
    assert "Traceback" not in out.output


def test_cli_unknown_method_is_named_before_u(tmp_path: Path) -> None:
    f = tmp_path / "pt.csv"
    f.write_text(PT_CSV)
    out = runner.invoke(app, ["comparison", str(f), "--method", "median"])
    assert out.exit_code == 2
    assert "unknown method 'median'" in out.stderr
