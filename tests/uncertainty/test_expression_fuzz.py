"""Fuzzing the expression engine: whatever the text, only the documented errors come out.

Expressions are built from the grammar's own tokens (names, numbers at the edges of the float
range, operators allowed and refused, whitelisted and unknown functions, brackets) and from
random text; each is parsed, evaluated by the GUM framework (with jets) and by a short Monte
Carlo run. Parsing or evaluating may fail only with an ``UncertaintyError`` (the engine's
documented base class), never ZeroDivisionError, OverflowError, RecursionError, ...
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.uncertainty import (
    Model,
    UncertaintyError,
    evaluate_gum,
    evaluate_mc,
    load_model,
    ureal,
)

TOKENS = [
    "a",
    "b",
    "pi",
    "e",
    "c",
    "0",
    "1",
    "2",
    "0.5",
    "276",
    "1e308",
    "1e-308",
    "1e999",
    "9" * 401,
    ".",
    "+",
    "-",
    "*",
    "/",
    "**",
    "//",
    "%",
    "^",
    "(",
    ")",
    ",",
    "[",
    "]",
    "'",
    "j",
    " ",
    "sqrt",
    "exp",
    "log",
    "log10",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "abs",
    "open",
    "lambda",
    "__import__",
]
VALUES = [0.0, 1.0, -1.0, 0.5, 20.0, 1e-300, 1e300, -1e300]
FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _run(text: str, a: float, b: float, mc: bool) -> None:
    inputs = {"a": ureal(a, 0.1), "b": ureal(b, abs(b) or 0.1)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy warning turned into an error must be handled
        try:
            model = Model(inputs, {"y": text, "z": f"y * ({text})"})
            evaluate_gum(model, second_order=True)
            if mc:
                evaluate_mc(model, 200, seed=1)
        except UncertaintyError:
            pass


@FUZZ
@given(
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25),
    st.sampled_from(VALUES),
    st.sampled_from(VALUES),
    st.booleans(),
)
def test_expressions_from_grammar_tokens_raise_only_documented_errors(
    tokens: list[str], a: float, b: float, mc: bool
) -> None:
    _run("".join(tokens), a, b, mc)


@FUZZ
@given(st.text(max_size=60), st.sampled_from(VALUES))
def test_random_text_raises_only_documented_errors(text: str, a: float) -> None:
    _run(text, a, 2.0, False)


@given(st.integers(min_value=1, max_value=400), st.sampled_from(["(", "-", "sqrt(", "a+"]))
@settings(max_examples=40, deadline=None, derandomize=True)
def test_deep_nesting_is_an_error_not_a_recursion(depth: int, opener: str) -> None:
    closer = ")" if opener.endswith("(") else ""
    _run(opener * depth + "a" + closer * depth, 0.5, 2.0, False)


MODEL = """\
title: fuzz
outputs:
  y: {expression}
inputs:
  a: {{value: {a}, u: 0.1}}
"""

YAML_TOKENS = ["a", ":", " ", "\n", "  ", "-", "[", "]", "{", "}", ",", "&x", "*x", "<<", "!!str",
               "!!python/object:os.system", "'", '"', "#", "1e999", "2026-02-30", "~", "?"]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=15), st.sampled_from(VALUES))
def test_model_files_raise_only_documented_errors(tokens: list[str], a: float) -> None:
    expression = '"' + "".join(tokens).replace('"', "") + '"'
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.yaml"
        path.write_text(MODEL.format(expression=expression, a=a), encoding="utf-8")
        try:
            model = load_model(path)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                evaluate_gum(model)
        except UncertaintyError:
            pass


@FUZZ
@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=40))
def test_yaml_text_of_a_model_file_raises_only_documented_errors(tokens: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.yaml"
        path.write_text(MODEL.format(expression="a", a=1) + "".join(tokens), encoding="utf-8")
        with contextlib.suppress(UncertaintyError):
            load_model(path)


def test_numpy_raising_mode_is_handled() -> None:
    """With numpy set to raise (FloatingPointError), evaluation still ends in the engine's error."""
    model = Model({"a": ureal(0.0, 0.1)}, {"y": "log(a) + 1/a"})
    with np.errstate(all="raise"):
        try:
            evaluate_mc(model, 100, seed=1)
        except UncertaintyError as exc:
            assert "output 'y'" in str(exc)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=20), st.sampled_from(VALUES))
def test_expressions_with_units_raise_only_documented_errors(tokens: list[str], a: float) -> None:
    """The unit pass (pint) sees the same text: its failures are UnitErrors too."""
    inputs = {"a": ureal(a, 0.1, unit="mm"), "b": ureal(2.0, 0.1, unit="s")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with contextlib.suppress(UncertaintyError):
            evaluate_gum(Model(inputs, {"y": "".join(tokens)}))
