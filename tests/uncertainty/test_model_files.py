"""Malformed model files: every error names the file, the line and the key, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiliang.uncertainty import (
    CorrelationError,
    ModelFileError,
    UncertaintyError,
    UnitError,
    evaluate_dict,
    load_model,
    model_from_dict,
)

GOOD = """\
title: t
outputs:
  y: a * b
inputs:
  a: {value: 2.0, u: 0.1}
  b: {value: 3.0, u: 0.2}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "model.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> UncertaintyError:
    with pytest.raises(UncertaintyError) as exc:
        load_model(write(tmp_path, text))
    return exc.value


@pytest.mark.parametrize(
    ("text", "line", "key", "why"),
    [
        (GOOD.replace("u: 0.2", "u: abc"), 6, "inputs.b.u", "must be a number"),
        (GOOD.replace("u: 0.2", "u: 0.2, colour: red"), 6, "inputs.b.colour", "unknown key"),
        (GOOD.replace("{value: 3.0, u: 0.2}", "{value: 3.0}"), 6, "inputs.b", "missing key 'u'"),
        (
            GOOD.replace("{value: 3.0, u: 0.2}", "{value: 0, distribution: cauchy}"),
            6,
            "inputs.b.distribution",
            "unknown distribution 'cauchy'",
        ),
        (
            GOOD.replace("{value: 3.0, u: 0.2}", "{value: 0, distribution: rectangular}"),
            6,
            "inputs.b",
            "missing key 'halfwidth'",
        ),
        (
            GOOD.replace(
                "{value: 3.0, u: 0.2}", "{value: 0, distribution: rectangular, halfwidth: -1}"
            ),
            6,
            "inputs.b.halfwidth",
            "must be > 0",
        ),
        (GOOD.replace("a * b", "a * c"), 3, "outputs.y", "unknown name 'c'"),
        (GOOD.replace("a * b", "__import__('os')"), 3, "outputs.y", "not allowed"),
        (GOOD.replace("title: t", "titel: t"), 1, "titel", "unknown key"),
        (GOOD + "  a: {value: 1, u: 1}\n", 7, "inputs.a", "duplicate key"),
        (GOOD + "correlations:\n  - [a, z, 0.5]\n", 8, "correlations.0.1", "unknown input 'z'"),
        (GOOD + "correlations:\n  - [a, b]\n", 8, "correlations.0", "[a, b, r]"),
        (GOOD + "probability: 1.5\n", 7, "probability", "must be in (0, 1)"),
        (
            GOOD.replace("{value: 3.0, u: 0.2}", "{observations: [1.0]}"),
            6,
            "inputs.b.observations",
            "at least two",
        ),
        (
            GOOD.replace("{value: 3.0, u: 0.2}", "{value: 1, u: 1, dof: -3}"),
            6,
            "inputs.b.dof",
            "must be > 0",
        ),
        (
            GOOD.replace("{value: 3.0, u: 0.2}", "{value: 0, distribution: t, u: 1}"),
            6,
            "inputs.b",
            "needs a finite dof",
        ),
    ],
)
def test_errors_name_line_and_key(tmp_path: Path, text: str, line: int, key: str, why: str) -> None:
    err = error_of(tmp_path, text)
    msg = str(err)
    assert f"model.yaml:{line}: {key}: " in msg
    assert why in msg


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    err = error_of(tmp_path, GOOD.replace("  b: {value: 3.0, u: 0.2}", "  b: {value: 3.0, u: 0.2"))
    assert isinstance(err, ModelFileError)
    assert "invalid YAML" in str(err)
    assert err.line is not None and err.line >= 6


def test_non_psd_correlations_are_rejected_with_the_pairs(tmp_path: Path) -> None:
    text = GOOD.replace("inputs:\n", "inputs:\n  c: {value: 1.0, u: 0.1}\n") + (
        "correlations:\n  - [a, b, 0.9]\n  - [a, c, 0.9]\n  - [b, c, -0.9]\n"
    )
    err = error_of(tmp_path, text)
    assert isinstance(err, CorrelationError)
    assert "not positive semi-definite" in str(err)
    assert "[a, b, 0.9]" in str(err)
    assert "correlations" in str(err)


def test_inconsistent_units_name_the_output(tmp_path: Path) -> None:
    text = (
        GOOD.replace("a * b", "a + b")
        .replace("u: 0.1}", "u: 0.1, unit: mm}")
        .replace("u: 0.2}", "u: 0.2, unit: s}")
    )
    err = error_of(tmp_path, text)
    assert isinstance(err, UnitError)
    assert "outputs.y" in str(err)
    assert "output 'y'" in str(err)
    assert "cannot add" in str(err)


def test_unknown_unit(tmp_path: Path) -> None:
    err = error_of(tmp_path, GOOD.replace("u: 0.1}", "u: 0.1, unit: furlongz}"))
    assert isinstance(err, UnitError)
    assert "furlongz" in str(err)


def test_missing_file_and_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "absent.yaml")
    with pytest.raises(ModelFileError, match="a model file is a mapping"):
        load_model(write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(ModelFileError, match="missing key 'outputs'"):
        load_model(write(tmp_path, "inputs: {a: {value: 1, u: 1}}\n"))


def test_yaml_tags_are_not_constructed(tmp_path: Path) -> None:
    # yaml.safe_load only: a python/object tag is an error, never executed
    err = error_of(tmp_path, GOOD + "x: !!python/object/apply:os.system ['true']\n")
    assert isinstance(err, ModelFileError)


def test_numbers_without_a_dot_are_numbers() -> None:
    # the H.1 file writes 2e-6 (YAML 1.1 would read that as text)
    m = model_from_dict({"outputs": {"y": "a"}, "inputs": {"a": {"value": "11.5e-6", "u": "2e-6"}}})
    assert m.inputs["a"].u == 2e-6


def test_evaluate_dict_for_callers_with_a_template() -> None:
    # e.g. a calibration job fills a template with numbers; GUM 5.1.2 eq. 10 with y = a*b
    data = {
        "outputs": {"y": "a * b"},
        "inputs": {"a": {"value": 2.0, "u": 0.1}, "b": {"value": 3.0, "u": 0.2}},
    }
    ev = evaluate_dict(data)
    assert ev.gum.results[0].u ** 2 == pytest.approx(9 * 0.01 + 4 * 0.04)
    with pytest.raises(ModelFileError, match=r"<dict>: inputs.b.u: must be a number"):
        evaluate_dict({**data, "inputs": {"a": {"value": 2, "u": 1}, "b": {"value": 3, "u": []}}})


def test_every_distribution_is_accepted_in_a_file(tmp_path: Path) -> None:
    text = """\
outputs:
  y: a + b + c + d + e + f + g + h + i + j + k
inputs:
  a: {observations: [1.0, 1.2, 0.9]}
  b: {value: 0, u: 1, distribution: normal}
  c: {value: 0, u: 1, dof: 5, distribution: t}
  d: {distribution: rectangular, lower: -1, upper: 1}
  e: {value: 0, distribution: triangular, halfwidth: 1}
  f: {value: 0, distribution: trapezoidal, halfwidth: 1, beta: 0.5}
  g: {value: 0, distribution: curvilinear_trapezoid, halfwidth: 0.05, d: 0.025}
  h: {value: 0, distribution: arcsine, halfwidth: 0.5}
  i: {value: 1, distribution: exponential}
  j: {value: 2, u: 1, distribution: gamma}
  k: {value: 2, u: 0.5, distribution: lognormal}
"""
    m = load_model(write(tmp_path, text))
    assert len(m.names) == 11
    # JCGM 101 6.4.3.3: curvilinear trapezoid u^2 = a^2/3 + d^2/9
    assert m.inputs["g"].u == pytest.approx((0.05**2 / 3 + 0.025**2 / 9) ** 0.5)
