"""Number filters for pages (`{% load numbers %}`): JJF 1059.1 rounding, SI prefixes, no e-notation.

    {{ obj.range_max|quantity:obj.unit }}                 500000000.0, "Pa" → 500 MPa
    {{ value|with_uncertainty:U }}                        10.012345, 0.0123456 → 10.012 ± 0.013
    {% measured value U unit %}                           (10.012 ± 0.013) kg
    {{ U|uncertainty:unit }}                              0.0123456, "kg" → 0.013 kg
    {{ U|relative_uncertainty }}                          2e-06 → 2.0 × 10⁻⁶
    {{ x|number }}                                        1.6e-05 → 0.000016

None and "" give "—"; anything that is not a number is shown as it is.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from jiliang import numfmt

register = template.Library()
EMPTY = "—"


def _number(value: Any) -> float | int | Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _guard(value: Any, render: Any) -> str:
    n = _number(value)
    if n is None:
        return EMPTY if value is None or value == "" else str(value)
    try:
        return str(render(n))
    except ValueError:  # NaN, infinity
        return str(value)


@register.filter
def number(value: Any) -> str:
    return _guard(value, numfmt.format_number)


@register.filter
def quantity(value: Any, unit: Any = "") -> str:
    return _guard(value, lambda n: numfmt.format_quantity(n, str(unit or "")))


@register.filter
def uncertainty(value: Any, unit: Any = "") -> str:
    return _guard(value, lambda n: numfmt.format_uncertainty(n, str(unit or "")))


@register.filter
def relative_uncertainty(value: Any) -> str:
    return _guard(value, numfmt.format_relative)


@register.filter
def with_uncertainty(value: Any, u: Any) -> str:
    return _guard(value, lambda n: numfmt.format_measurement(n, _number(u)))


@register.simple_tag
def measured(value: Any, u: Any = None, unit: Any = "") -> str:
    return _guard(value, lambda n: numfmt.format_measurement(n, _number(u), str(unit or "")))
