"""The CLI contract: `jiliang uncertainty evaluate MODEL.yaml ...` on the worked examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiliang.cli.main import app

from .conftest import EXAMPLES

runner = CliRunner()


def run_json(*args: str) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, ["uncertainty", "evaluate", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_h1_json_contract() -> None:
    # GUM H.1: l = 50.000838 mm, u_c = 31.7 nm, nu_eff = 16.7, U_99 ≈ 92 nm
    doc = run_json(str(EXAMPLES / "gum_h1_end_gauge.yaml"), "--mc", "100000", "--seed", "1")
    assert doc["probability"] == 0.99
    out = doc["outputs"]["l"]
    g = out["gum"]
    assert set(g) >= {"value", "u", "dof", "k", "U", "interval"}
    assert g["value"] == pytest.approx(50.000838, abs=1e-6)
    assert g["u"] * 1e6 == pytest.approx(31.7, abs=0.05)
    assert g["dof"] == pytest.approx(16.7, abs=0.1)
    assert g["U"] * 1e6 == pytest.approx(92, abs=0.5)
    assert set(out["mc"]) == {"value", "u", "interval_symmetric", "interval_shortest", "trials"}
    assert out["mc"]["trials"] == 100000
    assert [b["input"] for b in out["budget"]] == [
        "ls",
        "d",
        "alpha_s",
        "theta",
        "dalpha",
        "dtheta",
    ]
    assert set(out["budget"][0]) >= {"input", "sensitivity", "contribution", "dof"}
    theta = next(b for b in out["budget"] if b["input"] == "theta")
    assert theta["dof"] is None  # infinite dof is written as null
    assert set(out["validation"]) == {"gum_valid", "tolerance", "d_low", "d_high"}
    assert "correlation" not in doc  # one output


def test_h1_second_order_flag() -> None:
    # GUM H.1 (second-order terms, GUM 5.1.2 note): u_c = 34 nm
    doc = run_json(str(EXAMPLES / "gum_h1_end_gauge.yaml"), "--second-order")
    assert doc["outputs"]["l"]["gum"]["u"] * 1e6 == pytest.approx(34, abs=0.5)
    assert "mc" not in doc["outputs"]["l"]


def test_h2_several_outputs_give_a_correlation_matrix() -> None:
    # GUM Table H.4: r(R, X) = -0.588; nu = 4 for the ensemble (Willink 2007, GTC docs)
    doc = run_json(str(EXAMPLES / "gum_h2_impedance.yaml"))
    corr = doc["correlation"]
    names = corr["outputs"]
    assert corr["gum"][names.index("R")][names.index("X")] == pytest.approx(-0.588, abs=5e-4)
    assert doc["outputs"]["R"]["gum"]["dof"] == pytest.approx(4.0)
    assert doc["outputs"]["Z"]["unit"] == "Ω"


def test_mass_adaptive_and_probability_override() -> None:
    # JCGM 101 Table 11: MCM u = 0.0754 mg (adaptive, n_dig = 2: tolerance 0.0005 mg);
    # the GUF is not validated
    doc = run_json(
        str(EXAMPLES / "jcgm101_9_3_mass.yaml"),
        "--adaptive",
        "--digits",
        "2",
        "--seed",
        "9",
        "--probability",
        "0.95",
    )
    out = doc["outputs"]["dm"]
    assert out["mc"]["u"] == pytest.approx(0.0754, abs=0.001)
    assert out["validation"]["gum_valid"] is False
    assert doc["mc"]["adaptive"] is True and doc["mc"]["converged"] is True


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_worked_example_runs_as_text(name: str) -> None:
    res = runner.invoke(
        app, ["uncertainty", "evaluate", str(EXAMPLES / name), "--mc", "20000", "--seed", "1"]
    )
    assert res.exit_code == 0, res.output
    assert "Monte Carlo (20000 trials)" in res.stdout
    assert "u_i(y)" in res.stdout


def test_plot_and_html_outputs(tmp_path: Path) -> None:
    png, svg, html = tmp_path / "h.png", tmp_path / "h.svg", tmp_path / "b.html"
    model = str(EXAMPLES / "jcgm101_9_3_mass.yaml")
    for fig in (png, svg):
        res = runner.invoke(
            app,
            [
                "uncertainty",
                "evaluate",
                model,
                "--mc",
                "20000",
                "--plot",
                str(fig),
                "--html",
                str(html),
            ],
        )
        assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:500]
    assert html.read_text().startswith('<table class="uncertainty-budget">')


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mc", "1000", "--adaptive"], "either --mc N or --adaptive"),
        (["--digits", "2"], "--digits needs"),
        (["--plot", "x.png"], "--plot needs"),
        (["--mc", "5"], "trials must be an integer >= 100"),
        (["--probability", "1.5"], "probability must be in (0, 1)"),
    ],
)
def test_bad_options_exit_2_with_a_message(args: list[str], message: str) -> None:
    res = runner.invoke(
        app, ["uncertainty", "evaluate", str(EXAMPLES / "jcgm101_9_3_mass.yaml"), *args]
    )
    assert res.exit_code == 2
    assert message in res.output


def test_malformed_file_exits_2_naming_line_and_key(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("outputs:\n  y: a\ninputs:\n  a: {value: 1, u: x}\n", encoding="utf-8")
    res = runner.invoke(app, ["uncertainty", "evaluate", str(p)])
    assert res.exit_code == 2
    assert "bad.yaml:4: inputs.a.u: must be a number" in res.output
