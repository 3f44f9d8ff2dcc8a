"""`jiliang stats` CLI contracts (JSON keys are a stable interface)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jiliang.cli.stats import app

runner = CliRunner()

# Cox 2002 Procedure A BIPM example (see test_comparison.py)
COX_CSV = "lab,value,u\nL1,43772,97\nL2,43910,100\nL3,43947,104.5\nL4,43910,160\nL5,43900,280\n"
LAB_KEYS = {"lab", "value", "u", "d", "U_d", "En", "zeta", "z"}


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_comparison_json_contract(tmp_path: Path) -> None:
    f = tmp_path / "k.csv"
    f.write_text(COX_CSV)
    data = _json(["comparison", str(f), "--method", "weighted-mean", "--json"])
    ref = data["reference"]
    assert isinstance(ref, dict) and set(ref) >= {"value", "u", "U", "k"}
    assert round(ref["value"]) == 43877 and round(ref["u"]) == 53
    cons = data["consistency"]
    assert isinstance(cons, dict) and round(cons["chi2"], 2) == 1.78 and cons["consistent"]
    assert set(cons) >= {"chi2", "dof", "p", "consistent"}
    labs = data["labs"]
    assert isinstance(labs, list) and len(labs) == 5
    for lab in labs:
        assert set(lab) >= LAB_KEYS
        assert lab["z"] is None  # needs --sigma-pt
    assert data["tau"] is None


def test_comparison_every_method(tmp_path: Path) -> None:
    f = tmp_path / "k.csv"
    f.write_text(COX_CSV)
    for method in ("procedure-b", "dersimonian-laird", "pmm", "algorithm-a"):
        data = _json(["comparison", str(f), "--method", method, "--json", "--trials", "500"])
        assert set(data["reference"]) >= {"value", "u", "U", "k"}  # type: ignore[arg-type]
    dl = _json(["comparison", str(f), "--method", "dersimonian-laird", "--json"])
    assert dl["tau"] == 0.0
    aa = _json(["comparison", str(f), "--method", "algorithm-a", "--json", "--trials", "500"])
    assert aa["consistency"] is None
    assert all(lab["z"] is not None for lab in aa["labs"])  # type: ignore[union-attr]


def test_comparison_text_and_plot(tmp_path: Path) -> None:
    f = tmp_path / "k.csv"
    f.write_text(COX_CSV)
    png = tmp_path / "doe.png"
    result = runner.invoke(app, ["comparison", str(f), "--plot", str(png)])
    assert result.exit_code == 0
    assert "consistent" in result.stdout and "L5" in result.stdout
    assert png.read_bytes().startswith(b"\x89PNG")


def test_comparison_bad_csv_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("lab,value,u\nL1,43772,97\nL2,abc,100\n")
    result = runner.invoke(app, ["comparison", str(f), "--json"])
    assert result.exit_code == 2
    assert str(f) in result.stderr and "row 3" in result.stderr and "'value'" in result.stderr
    assert result.stdout == ""


def test_interval_a3_json() -> None:
    # NCSLI RP-1 A3 published case (2019 NCSL tutorial): 231 days, rejection conf. 0.995
    data = _json(
        [
            "interval",
            "a3",
            "--results",
            "1,1,0,1,0,1,1,1,1,0,1,1,1,1,1,0,1,1,1,0",
            "--interval",
            "365",
            "--target",
            "0.95",
            "--json",
        ]
    )
    assert data["interval"] == 231
    assert round(data["rejection_confidence"], 3) == 0.995  # type: ignore[arg-type]
    assert data["observed_reliability"] == 0.75


def test_interval_a3_bad_results() -> None:
    result = runner.invoke(
        app, ["interval", "a3", "--results", "1,x", "--interval", "365", "--target", "0.9"]
    )
    assert result.exit_code == 2 and "--results" in result.stderr


def test_interval_s2_json(tmp_path: Path) -> None:
    f = tmp_path / "s2.csv"
    f.write_text(
        "t,n,observed_reliability\n60,200,0.935\n120,200,0.875\n180,200,0.82\n"
        "240,200,0.765\n300,200,0.715\n360,200,0.67\n"
    )
    data = _json(["interval", "s2", str(f), "--target", "0.9", "--json"])
    assert isinstance(data["best_model"], str)
    assert isinstance(data["interval"], float)
    models = data["models"]
    assert isinstance(models, list) and len(models) == 10
    for m in models:
        assert {"model", "interval", "confidence"} <= set(m)


def test_plan_json_and_lot() -> None:
    args = ["plan", "--p1", "0.01", "--alpha", "0.05", "--p2", "0.07", "--beta", "0.05"]
    data = _json([*args, "--json"])
    assert (data["n"], data["c"]) == (109, 3)
    assert set(data) >= {"n", "c", "pa_p1", "pa_p2"}
    lot = _json([*args, "--lot", "500", "--json"])
    assert lot["distribution"] == "hypergeometric"
    bad = runner.invoke(
        app, ["plan", "--p1", "0.07", "--alpha", "0.05", "--p2", "0.01", "--beta", "0.05"]
    )
    assert bad.exit_code == 2


def test_draw(tmp_path: Path) -> None:
    f = tmp_path / "ids.txt"
    f.write_text("\n".join(f"M{i:03d}" for i in range(50)) + "\n")
    data = _json(["draw", str(f), "--n", "5", "--seed", "lot-7", "--json"])
    assert data["seed"] == "lot-7" and data["algorithm"] == "sha256-rank-v1"
    assert len(data["selected"]) == 5  # type: ignore[arg-type]


def test_mandel_cli(tmp_path: Path) -> None:
    f = tmp_path / "rep.csv"
    rows = ["lab,value"] + [
        f"{lab},{v}"
        for lab, vals in {"A": (10.1, 10.3), "B": (10.0, 9.9), "C": (10.6, 10.4)}.items()
        for v in vals
    ]
    f.write_text("\n".join(rows) + "\n")
    data = _json(["mandel", str(f), "--json"])
    labs = data["labs"]
    assert isinstance(labs, list) and [lab["lab"] for lab in labs] == ["A", "B", "C"]
    # ISO 5725-2 Table 6, p = 3, n = 2: k critical 1.71 (1 %), 1.65 (5 %)
    kc = data["k_critical"]
    assert isinstance(kc, dict) and round(kc["0.01"], 2) == 1.71 and round(kc["0.05"], 2) == 1.65
