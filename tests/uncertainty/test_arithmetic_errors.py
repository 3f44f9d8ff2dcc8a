"""Arithmetic failures of a model (issue 12 §2): the documented error naming the expression.

``x/0``, ``atan2(x, 1e308)``, a 401-digit literal and ``(y)**276`` ended in tracebacks on the
CLI (ZeroDivisionError, OverflowError) and in 500s in calibration jobs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from jiliang.cli.main import app
from jiliang.uncertainty import (
    ExpressionError,
    Model,
    UncertaintyError,
    evaluate_dict,
    evaluate_gum,
    evaluate_mc,
    ureal,
)

runner = CliRunner()

# (expression, value of x, what the message says); values chosen so that float arithmetic
# fails: 20**276 = 10**359.1 > 1.8e308, and 1e308 * 1e308 overflows inside atan2's derivative.
CASES = [
    ("x/0", 1.0, "division by zero"),
    ("atan2(x, 1e308)", 1.0, "overflow"),
    ("1" * 401 + " * x", 1.0, "beyond the range of a float"),
    ("(x)**276", 20.0, ""),
    ("1e999 * x", 1.0, "beyond the range of a float"),
    ("x ** (1/0)", 2.0, "division by zero"),
]


def model_dict(expression: str, x: float) -> dict[str, object]:
    return {"outputs": {"y": expression}, "inputs": {"x": {"value": x, "u": 0.1}}}


@pytest.mark.parametrize(("expression", "x", "why"), CASES)
def test_evaluation_raises_the_documented_error(expression: str, x: float, why: str) -> None:
    with pytest.raises(UncertaintyError) as exc:
        evaluate_dict(model_dict(expression, x), source="job 7")
    assert why in str(exc.value)
    assert "'y'" in str(exc.value)


@pytest.mark.parametrize(("expression", "x", "why"), CASES)
def test_monte_carlo_raises_the_documented_error(expression: str, x: float, why: str) -> None:
    with pytest.raises(UncertaintyError):
        evaluate_dict(model_dict(expression, x), mc=1000, seed=1)


def test_division_by_zero_names_the_expression() -> None:
    with pytest.raises(ExpressionError) as exc:
        evaluate_gum(Model({"x": ureal(1.0, 0.1)}, {"y": "x / 0"}))
    assert exc.value.expression == "x / 0"
    assert "output 'y' cannot be evaluated: division by zero" in str(exc.value)


def test_a_401_digit_literal_is_refused_when_parsed() -> None:
    with pytest.raises(ExpressionError, match="beyond the range of a float") as exc:
        Model({"x": ureal(1.0, 0.1)}, {"y": "9" * 401 + " * x"})
    assert "401 characters" in str(exc.value)  # the number is cut, not printed whole


def test_an_uncertainty_whose_square_overflows_is_an_error() -> None:
    # u = 1e200: u**2 = 1e400 is past the float range.
    with pytest.raises(UncertaintyError, match="overflow"):
        evaluate_gum(Model({"x": ureal(1.0, 1e200)}, {"y": "2 * x"}))


def test_numpy_in_raise_mode_still_gives_the_documented_error() -> None:
    model = Model({"x": ureal(0.0, 0.1)}, {"y": "log(x)"})
    with np.errstate(all="raise"), pytest.raises(UncertaintyError):
        evaluate_mc(model, 100, seed=1)


def test_callable_model_dividing_by_zero() -> None:
    model = Model.from_function(lambda x: x / 0.0, {"x": ureal(1.0, 0.1)})
    with pytest.raises(UncertaintyError, match="division by zero"):
        evaluate_gum(model)


@pytest.mark.parametrize(("expression", "x", "why"), CASES)
def test_cli_prints_an_error_not_a_traceback(
    tmp_path: Path, expression: str, x: float, why: str
) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(
        f'outputs:\n  y: "{expression}"\ninputs:\n  x: {{value: {x}, u: 0.1}}\n', encoding="utf-8"
    )
    for extra in ([], ["--mc", "1000", "--seed", "1"]):
        res = runner.invoke(app, ["uncertainty", "evaluate", str(path), *extra])
        assert res.exit_code == 2, res.output
        assert res.exception is None or isinstance(res.exception, SystemExit)
        assert "Traceback" not in res.output
        assert res.output.startswith("error: ")


@pytest.mark.parametrize(
    "spec",
    [
        {"inputs": {"x": {"value": 10**400, "u": 0.1}}},  # a JSON integer past the float range
        {"inputs": {"x": {"value": 1, "u": 0.1}}, "constants": {"c": {"value": 10**400}}},
        {"inputs": {"x": {"observations": [1, 10**400]}}},
        {"inputs": {"x": {"observations": [1e300, -1e300]}}},
        {"inputs": {"x": {"distribution": "gamma", "value": 1e300, "u": 1e300}}},
        {"inputs": {"x": {"distribution": "lognormal", "value": 1e300, "u": 1e300}}},
        {"inputs": {"x": {"distribution": "rectangular", "lower": -1e308, "upper": 1e308}}},
    ],
)
def test_numbers_past_the_float_range_in_a_model_dict(spec: dict[str, object]) -> None:
    """Recorded values reach a job's model as numbers; 10**400 raised OverflowError (a 500)."""
    data = {"outputs": {"y": "x * c" if "constants" in spec else "x"}, **spec}
    with pytest.raises(UncertaintyError):
        evaluate_dict(data, mc=1000, seed=1)


def test_inputs_are_bounded_before_any_jet_is_built() -> None:
    """3,000 inputs would hold 9x10^6 derivatives; 30,000 (a 1 MB file) 7 GB."""
    inputs = {f"x{i}": {"value": 1.0, "u": 0.1} for i in range(1001)}
    with pytest.raises(UncertaintyError, match="at most 1000 inputs, this one has 1001"):
        evaluate_dict({"outputs": {"y": "x0"}, "inputs": inputs})


def test_second_order_is_bounded_to_few_inputs() -> None:
    inputs = {f"x{i}": {"value": 1.0, "u": 0.1} for i in range(61)}
    with pytest.raises(UncertaintyError, match="at most 60 inputs, this model has 61"):
        evaluate_dict({"outputs": {"y": "x0 * x1"}, "inputs": inputs}, second_order=True)
    inputs = {f"x{i}": {"value": 1.0, "u": 0.1} for i in range(60)}
    # y = x0*x1 at (1, 1), u = 0.1 each: first order u^2 = 0.02; the GUM 5.1.2 note adds
    # (d2y/dx0dx1)^2 u0^2 u1^2 = 1e-4, so u = sqrt(0.0201).
    result = evaluate_dict({"outputs": {"y": "x0 * x1"}, "inputs": inputs}, second_order=True)
    assert result.gum.results[0].u == pytest.approx(0.0201**0.5, rel=1e-12)
