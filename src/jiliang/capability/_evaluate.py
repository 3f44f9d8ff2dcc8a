"""The expanded uncertainty a CMC states at one measured value.

Rules (docs/cloud.md): a *range* statement is read conservatively as its upper value (KCDB
gives no law between the ends); an *equation* is evaluated at x in the CMC's range unit with
the safe expression parser; a *table* gives its own value at a tabulated x and, between two
rows, the larger of the two neighbours (nothing guarantees that U falls linearly between
points); outside the table the CMC states nothing. Relative units (%, ppm) multiply |x|.
"""

from __future__ import annotations

import bisect
import math

from jiliang.capability._errors import CapabilityError
from jiliang.capability._model import Cmc, Uncertainty
from jiliang.capability._units import relative_factor

__all__ = ["stated_u", "u_at"]


def stated_u(statement: Uncertainty, x: float) -> float | None:
    """U in the statement's own unit at x, or None where the statement says nothing."""
    if statement.kind == "value":
        return statement.value
    if statement.kind == "range":
        return statement.high
    if statement.kind == "equation":
        from jiliang.uncertainty import ExpressionError
        from jiliang.uncertainty._expr import compile_node, guarded, parse_expression

        node = parse_expression(statement.expression, {"x"})
        try:
            value = float(guarded(compile_node(node), statement.expression, "U")({"x": x}))
        except ExpressionError as exc:
            raise CapabilityError("uncertainty.expression", str(exc)) from None
        if not math.isfinite(value) or value <= 0:
            raise CapabilityError(
                "uncertainty.expression", f"gives U = {value} at x = {x}; U must be positive"
            )
        return value
    xs = [p[0] for p in statement.points]
    if not xs[0] <= x <= xs[-1]:
        return None
    i = bisect.bisect_left(xs, x)
    if xs[i] == x:
        return statement.points[i][1]
    return max(statement.points[i - 1][1], statement.points[i][1])


def u_at(cmc: Cmc, x: float) -> float | None:
    """U at x expressed as an absolute value in the CMC's range unit (coverage factor as stated)."""
    value = stated_u(cmc.uncertainty, x)
    if value is None:
        return None
    factor = relative_factor(cmc.uncertainty.unit)
    if factor is not None:
        return value * factor * abs(x)
    from jiliang.capability._units import convert

    return convert(
        value, cmc.uncertainty.unit, cmc.unit, f"cmc {cmc.id}.uncertainty.unit", difference=True
    )
