"""`jiliang prepack evaluate LOT.yaml [--json]`: the stable contract (docs/prepack.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from jiliang.cli.prepack import app

SCRIPT = Path(sys.executable).parent / "jiliang"
CONTRACT = {
    "T",
    "sample_size",
    "mean",
    "s",
    "lambda",
    "mean_limit",
    "t1",
    "t2",
    "average_ok",
    "count_ok",
    "verdict",
    "edition",
}


def _run(tmp_path: Path, text: str, *args: str) -> Result:
    """In-process (the machine's subprocess start is slow under load); one test below runs
    the installed script end to end."""
    lot = tmp_path / "lot.yaml"
    lot.write_text(text, encoding="utf-8")
    return CliRunner().invoke(app, ["evaluate", str(lot), *args])


def test_json_contract_for_a_lot_failing_the_count_test(tmp_path: Path) -> None:
    # Qn 500 g -> T 15 g; N 40 -> n 10, c 0; 484 g is one T1 defective (shortfall 16)
    text = "nominal: {value: 500, unit: g}\nlot_size: 40\nnet: [502, 502, 502, 502, 502, 502, 502, 502, 502, 484]\n"
    out = _run(tmp_path, text, "--json")
    assert out.exit_code == 0, out.stderr
    result = json.loads(out.output)
    assert set(result) >= CONTRACT
    assert result["T"] == 15.0 and result["sample_size"] == 10
    assert result["mean"] == pytest.approx(500.2)
    assert (result["t1"], result["t2"]) == (1, 0)
    assert (result["average_ok"], result["count_ok"], result["verdict"]) == (True, False, "fail")
    assert result["edition"] == "JJF 1070-2005"
    assert result["lambda"] == pytest.approx(3.2498 / 10**0.5, abs=2e-5)


def test_gross_with_tare_and_text_output(tmp_path: Path) -> None:
    # gross 112.0 g with tare 12.0 g -> net 100.0 g each; T(100 g) = 4.5 g
    text = "nominal: {value: 100, unit: g}\nlot_size: 20\ngross: [112.0, 112.0, 112.0, 112.0, 112.0, 112.0, 112.0, 112.0, 112.0, 112.0]\ntare: 12.0\n"
    out = _run(tmp_path, text)
    assert out.exit_code == 0, out.stderr
    assert "T            4.5 g" in out.output
    assert "verdict      PASS" in out.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nominal: {value: 500, unit: g}\nlot_size: 40\nnet: [500, 500]\n", "takes a sample of 10"),
        ("nominal: {value: 500, unit: oz}\nlot_size: 5\nnet: [500]\n", "nominal.unit"),
        ("nominal: 500\nlot_size: 5\nnet: [500]\n", "nominal: expected"),
        ("nominal: {value: 500, unit: g}\nnet: [500]\n", "lot_size: missing"),
        ("nominal: {value: 500, unit: g}\nlot_size: 1\nnet: [abc]\n", "net[0]"),
        (
            "nominal: {value: 500, unit: g}\nlot_size: 1\nnet: [500]\nsize: 3\n",
            "unknown key 'size'",
        ),
        ("nominal: {value: 500, unit: g}\nlot_size: 1\nnet: [500\n", "line"),
        ("a: &x [1]\nb: *x\n", "line"),
        ("- 1\n", "expected a mapping"),
    ],
)
def test_bad_input_exits_2_with_a_precise_message(tmp_path: Path, text: str, message: str) -> None:
    out = _run(tmp_path, text)
    assert out.exit_code == 2
    assert message in out.stderr
    assert isinstance(out.exception, SystemExit)  # typer.Exit(2), no uncaught exception
    assert "lot.yaml" in out.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    out = subprocess.run(
        [str(SCRIPT), "prepack", "evaluate", str(tmp_path / "none.yaml")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 2 and "cannot read" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_loads_no_heavy_package() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", str(SCRIPT), "prepack", "evaluate", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in out.stderr.splitlines()}
    assert not loaded & {"scipy", "numpy", "django", "yaml"}
