"""The safe expression parser: a strict whitelist, never eval; derivatives are exact."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jiliang.uncertainty import ExpressionError, Model, UncertaintyError, evaluate_gum, ureal

NAMES = {"a": ureal(0.5, 0.1), "b": ureal(2.0, 0.1)}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("a.real", "Attribute not allowed"),
        ("a[0]", "Subscript not allowed"),
        ("(lambda: 1)()", "not allowed"),
        ("open('x')", "function 'open' not allowed"),
        ("sqrt(x=a)", "keyword arguments not allowed"),
        ("a if b else 1", "IfExp not allowed"),
        ("a < b", "Compare not allowed"),
        ("a ^ 2", "use ** for a power"),
        ("a % b", "Mod not allowed"),
        ("c + 1", "unknown name 'c'"),
        ("'text'", "not a real number"),
        ("True + a", "not a real number"),
        ("1j * a", "not a real number"),
        ("sqrt(a, b)", "takes 1 argument"),
        ("atan2(a)", "takes 2 argument"),
        ("a +", "syntax error"),
        ("[a, b]", "List not allowed"),
        ("a" + "+a" * 6000, "longer than"),
        ("-" * 300 + "a", "nested too deeply"),
    ],
)
def test_rejected_expressions_raise_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as exc:
        Model(NAMES, {"y": text})
    assert fragment in str(exc.value)
    assert "output 'y'" in str(exc.value)


def test_error_names_the_column() -> None:
    with pytest.raises(ExpressionError, match=r"column 5"):
        Model(NAMES, {"y": "a + c"})


def test_every_whitelisted_function_and_constant_is_accepted() -> None:
    text = (
        "sqrt(b) + exp(a) + log(b) + log10(b) + sin(a) + cos(a) + tan(a) + asin(a) + acos(a)"
        " + atan(a) + atan2(a, b) + abs(-a) + pi + e + a**2 - -b / +b"
    )
    m = Model(NAMES, {"y": text})
    a, b = 0.5, 2.0
    expect = (
        math.sqrt(b) + math.exp(a) + math.log(b) + math.log10(b) + math.sin(a) + math.cos(a)
        + math.tan(a) + math.asin(a) + math.acos(a) + math.atan(a) + math.atan2(a, b) + abs(-a)
        + math.pi + math.e + a**2 + b / b
    )  # fmt: skip
    assert m({"a": a, "b": b})[0] == pytest.approx(expect)


@pytest.mark.parametrize(
    ("text", "dfda"),
    [
        # calculus identities at a = 0.5
        ("sin(a)", math.cos(0.5)),
        ("exp(2*a)", 2 * math.exp(1.0)),
        ("log(a)", 2.0),
        ("log10(a)", 2.0 / math.log(10)),
        ("sqrt(a)", 0.5 / math.sqrt(0.5)),
        ("a**3", 3 * 0.25),
        ("1/a", -4.0),
        ("tan(a)", 1 / math.cos(0.5) ** 2),
        ("asin(a)", 1 / math.sqrt(0.75)),
        ("acos(a)", -1 / math.sqrt(0.75)),
        ("atan(a)", 1 / 1.25),
        ("atan2(a, 1)", 1 / 1.25),
        ("atan2(1, a)", -1 / 1.25),
        ("abs(-a)", 1.0),
        ("2**a", math.log(2) * 2**0.5),
        ("a**a", 0.5**0.5 * (math.log(0.5) + 1)),
    ],
)
def test_first_derivatives_are_exact(text: str, dfda: float) -> None:
    m = Model({"a": ureal(0.5, 1.0)}, {"y": text})
    r = evaluate_gum(m).results[0]
    assert r.budget[0].sensitivity == pytest.approx(dfda, rel=1e-13)


def test_second_order_term_of_a_square() -> None:
    # GUM 5.1.2 note with one input, y = a^2: f' = 2a, f'' = 2, f''' = 0, so
    # u^2 = 4 a^2 u^2 + (1/2) 2^2 u^4 -- the exact variance of the square of a normal quantity
    m = Model({"a": ureal(3.0, 0.5)}, {"y": "a**2"})
    assert evaluate_gum(m, second_order=True).results[0].u ** 2 == pytest.approx(
        4 * 9 * 0.25 + 2 * 0.5**4
    )


def test_second_order_term_of_a_product() -> None:
    # GUM 5.1.2 note, y = a*b with independent inputs: the only higher-order term is
    # (1/2)(d2f/da db)^2 u_a^2 u_b^2 counted for (a,b) and (b,a): u^2 = b^2 ua^2 + a^2 ub^2
    # + ua^2 ub^2 (the exact variance of a product of independent normal quantities)
    m = Model({"a": ureal(3.0, 0.5), "b": ureal(2.0, 0.4)}, {"y": "a*b"})
    r = evaluate_gum(m, second_order=True).results[0]
    assert r.u**2 == pytest.approx(4 * 0.25 + 9 * 0.16 + 0.25 * 0.16)


def test_outputs_may_use_earlier_outputs_and_constants() -> None:
    m = Model({"a": ureal(2.0, 0.1)}, {"y": "k*a", "z": "y + 1"}, constants={"k": 3.0})
    assert m({"a": 2.0}) == [6.0, 7.0]


def test_a_model_output_cannot_reuse_an_input_name() -> None:
    with pytest.raises(UncertaintyError, match="reuses the name"):
        Model({"a": ureal(2.0, 0.1)}, {"a": "a + 1"})


def test_callable_without_numpy_functions_gets_a_clear_error() -> None:
    def f(a: float) -> float:
        return math.sqrt(a)

    with pytest.raises(UncertaintyError, match="cannot be differentiated"):
        evaluate_gum(Model.from_function(f, {"a": ureal(2.0, 0.1)}))


def test_callable_with_numpy_functions_is_differentiated() -> None:
    r = evaluate_gum(Model.from_function(lambda a: np.sqrt(a), {"a": ureal(4.0, 0.1)}))
    assert r.results[0].budget[0].sensitivity == pytest.approx(0.25)
