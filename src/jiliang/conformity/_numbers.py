"""Exact decimal handling, so that a value equal to a limit compares as equal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jiliang.conformity._errors import ConformityError

Number = Decimal | int | float | str


def to_decimal(value: Number, field: str) -> Decimal:
    """Convert to Decimal; floats go through their shortest repr (0.1 -> Decimal('0.1')).

    Binary floats make 8 - 0.1 differ from 7.9; deciding at the boundary must not depend on
    that, so every comparison in this package is done in decimal arithmetic.
    """
    if isinstance(value, bool):
        raise ConformityError(field, "a boolean is not a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ConformityError(field, f"{value!r} is not a decimal number") from None
    else:
        raise ConformityError(field, f"expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ConformityError(field, f"{value!r} is not finite")
    return result
