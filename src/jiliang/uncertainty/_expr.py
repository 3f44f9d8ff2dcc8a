"""Safe expression models: parse with ``ast`` (never eval) and walk a strict whitelist.

Why: model files come from users; an expression may only combine declared names, numbers,
``+ - * / **`` and a fixed set of functions. The checked tree is compiled into a small
closure that works on floats, numpy arrays (Monte Carlo) and jets (exact derivatives).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from jiliang.uncertainty import _jet
from jiliang.uncertainty._errors import ExpressionError, UnitError
from jiliang.uncertainty._numeric import ARITHMETIC_ERRORS, arithmetic_reason

__all__ = [
    "FUNCTIONS",
    "BinOp",
    "Call",
    "Const",
    "Neg",
    "Node",
    "Var",
    "compile_node",
    "guarded",
    "names_in",
    "parse_expression",
    "unit_pass",
]

MAX_LENGTH = 10_000
MAX_DEPTH = 200

# name -> (number of arguments, numpy function); numpy functions dispatch to jets.
FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "sqrt": (1, np.sqrt),
    "exp": (1, np.exp),
    "log": (1, np.log),
    "log10": (1, np.log10),
    "sin": (1, np.sin),
    "cos": (1, np.cos),
    "tan": (1, np.tan),
    "asin": (1, np.arcsin),
    "acos": (1, np.arccos),
    "atan": (1, np.arctan),
    "atan2": (2, np.arctan2),
    "abs": (1, np.absolute),
}
CONSTANTS = {"pi": math.pi, "e": math.e}


@dataclass(frozen=True)
class Const:
    value: float


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / **
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]


Node = Const | Var | Neg | BinOp | Call

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}


def parse_expression(text: str, names: frozenset[str] | set[str]) -> Node:
    """Parse ``text`` into a checked tree; only ``names``, ``pi``, ``e`` may appear."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = (exc.offset - 1) if exc.offset else None
        raise ExpressionError(f"syntax error: {exc.msg}", expression=text, column=col) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"cannot parse: {exc}", expression=text) from None
    return _walk(tree.body, text, frozenset(names), 0)


def _walk(node: ast.AST, text: str, names: frozenset[str], depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise ExpressionError("expression nested too deeply", expression=text)
    col = getattr(node, "col_offset", None)
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ExpressionError(
                f"constant {_short(v)} is not a real number", expression=text, column=col
            )
        try:
            value = float(v)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            literal = ast.get_source_segment(text.strip(), node) or _short(v)
            raise ExpressionError(
                f"number {_short(literal)} is beyond the range of a float (about 1.8e308)",
                expression=text,
                column=col,
            )
        return Const(value)
    if isinstance(node, ast.Name):
        if node.id in names:
            return Var(node.id)
        if node.id in CONSTANTS:
            return Const(CONSTANTS[node.id])
        raise ExpressionError(f"unknown name {node.id!r}", expression=text, column=col)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return Neg(_walk(node.operand, text, names, depth + 1))
        if isinstance(node.op, ast.UAdd):
            return _walk(node.operand, text, names, depth + 1)
        raise ExpressionError(
            f"operator {type(node.op).__name__} not allowed", expression=text, column=col
        )
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            hint = " (use ** for a power)" if isinstance(node.op, ast.BitXor) else ""
            raise ExpressionError(
                f"operator {type(node.op).__name__} not allowed{hint}", expression=text, column=col
            )
        return BinOp(
            op, _walk(node.left, text, names, depth + 1), _walk(node.right, text, names, depth + 1)
        )
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else "this call"
            raise ExpressionError(
                f"function {what!r} not allowed (allowed: {', '.join(sorted(FUNCTIONS))})",
                expression=text,
                column=col,
            )
        if node.keywords:
            raise ExpressionError("keyword arguments not allowed", expression=text, column=col)
        nargs = FUNCTIONS[node.func.id][0]
        if len(node.args) != nargs:
            raise ExpressionError(
                f"{node.func.id}() takes {nargs} argument(s), got {len(node.args)}",
                expression=text,
                column=col,
            )
        return Call(node.func.id, tuple(_walk(a, text, names, depth + 1) for a in node.args))
    raise ExpressionError(f"{type(node).__name__} not allowed", expression=text, column=col)


def _short(value: object) -> str:
    """A literal as shown in a message: a 401-digit number is cut, not printed whole."""
    try:
        shown = value if isinstance(value, str) else repr(value)
    except ValueError:  # an int past sys.get_int_max_str_digits()
        return "(a number too long to show)"
    return shown if len(shown) <= 40 else f"{shown[:20]}…({len(shown)} characters)"


def names_in(node: Node) -> set[str]:
    """Names a tree refers to."""
    if isinstance(node, Var):
        return {node.name}
    if isinstance(node, Neg):
        return names_in(node.arg)
    if isinstance(node, BinOp):
        return names_in(node.left) | names_in(node.right)
    if isinstance(node, Call):
        out: set[str] = set()
        for a in node.args:
            out |= names_in(a)
        return out
    return set()


Evaluator = Callable[[Mapping[str, Any]], Any]


def _pow(a: Any, b: Any) -> Any:
    if isinstance(a, _jet.Jet) or isinstance(b, _jet.Jet):
        return _jet._power(a, b)
    return np.power(a, b)


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": _pow,
}


def compile_node(node: Node) -> Evaluator:
    """A closure env -> value that works on floats, arrays and jets."""
    if isinstance(node, Const):
        c = node.value
        return lambda env: c
    if isinstance(node, Var):
        name = node.name
        return lambda env: env[name]
    if isinstance(node, Neg):
        f = compile_node(node.arg)
        return lambda env: -f(env)
    if isinstance(node, BinOp):
        lf, rf, op = compile_node(node.left), compile_node(node.right), _OPS[node.op]
        return lambda env: op(lf(env), rf(env))
    fn = FUNCTIONS[node.func][1]
    argf = [compile_node(a) for a in node.args]
    if len(argf) == 1:
        a0 = argf[0]
        return lambda env: fn(a0(env))
    a0, a1 = argf
    return lambda env: fn(a0(env), a1(env))


def guarded(evaluator: Evaluator, text: str, output: str) -> Evaluator:
    """``evaluator`` whose arithmetic failures are an ExpressionError naming the expression.

    Why: ``x/0`` on floats, ``atan2(x, 1e308)`` on jets or ``y**276`` past the float range
    raise ZeroDivisionError or OverflowError (FloatingPointError where numpy raises); callers
    (the CLI, calibration jobs) handle the engine's documented errors, not Python's.
    """

    def run(env: Mapping[str, Any]) -> Any:
        try:
            return evaluator(env)
        except ARITHMETIC_ERRORS as exc:
            raise ExpressionError(
                f"output {output!r} cannot be evaluated: {arithmetic_reason(exc)}",
                expression=text,
            ) from None

    return run


# --- units ----------------------------------------------------------------------------------


def unit_pass(node: Node, units: Mapping[str, Any], ureg: Any, output: str) -> tuple[Node, Any]:
    """Check dimensions and insert scale factors; returns (rewritten tree, unit of result).

    Why: ``ls + d`` with ls in mm and d in nm is dimensionally fine but numerically wrong
    unless d is scaled; the pass converts each term to the unit of the first term.
    """
    dimless = ureg.dimensionless

    def scale_to(n: Node, frm: Any, to: Any) -> Node:
        f = float((1.0 * frm).to(to).magnitude)
        return n if f == 1.0 else BinOp("*", Const(f), n)

    def go(n: Node) -> tuple[Node, Any]:
        if isinstance(n, Const):
            return n, dimless
        if isinstance(n, Var):
            return n, units.get(n.name, dimless)
        if isinstance(n, Neg):
            a, u = go(n.arg)
            return Neg(a), u
        if isinstance(n, BinOp):
            a, ua = go(n.left)
            b, ub = go(n.right)
            try:
                if n.op in "+-":
                    if ua.dimensionality != ub.dimensionality:
                        raise UnitError(
                            f"output {output!r}: cannot {'add' if n.op == '+' else 'subtract'} "
                            f"[{ua:~}] ({ua.dimensionality}) and [{ub:~}] ({ub.dimensionality})"
                        )
                    return BinOp(n.op, a, scale_to(b, ub, ua)), ua
                if n.op == "*":
                    return BinOp("*", a, b), ua * ub
                if n.op == "/":
                    return BinOp("/", a, b), ua / ub
                # power
                if ub.dimensionality != dimless.dimensionality:
                    raise UnitError(
                        f"output {output!r}: an exponent must be dimensionless, got [{ub:~}]"
                    )
                b = scale_to(b, ub, dimless)
                if ua.dimensionality == dimless.dimensionality:
                    return BinOp("**", scale_to(a, ua, dimless), b), dimless
                if not isinstance(b, Const):
                    raise UnitError(
                        f"output {output!r}: a quantity with unit [{ua:~}] may only "
                        "be raised to a constant number"
                    )
                return BinOp("**", a, b), ua**b.value
            except UnitError:
                raise
            except Exception as exc:  # pint offset-unit and other unit algebra errors
                raise UnitError(
                    f"output {output!r}: {exc} (use K or delta_degC for temperature differences)"
                ) from None
        # function call: abs/sqrt keep units, atan2 needs like units, the rest dimensionless
        try:
            if n.func in ("abs", "sqrt"):
                a, ua = go(n.args[0])
                return Call(n.func, (a,)), (ua if n.func == "abs" else ua**0.5)
            if n.func == "atan2":
                a, ua = go(n.args[0])
                b, ub = go(n.args[1])
                if ua.dimensionality != ub.dimensionality:
                    raise UnitError(
                        f"output {output!r}: atan2() needs arguments of one "
                        f"dimension, got [{ua:~}] and [{ub:~}]"
                    )
                return Call("atan2", (a, scale_to(b, ub, ua))), dimless
        except UnitError:
            raise
        except Exception as exc:
            raise UnitError(f"output {output!r}: {exc}") from None
        args: list[Node] = []
        for arg in n.args:
            na, ua = go(arg)
            if ua.dimensionality != dimless.dimensionality:
                raise UnitError(
                    f"output {output!r}: {n.func}() needs a dimensionless argument, got [{ua:~}]"
                )
            args.append(scale_to(na, ua, dimless))
        return Call(n.func, tuple(args)), dimless

    return go(node)
