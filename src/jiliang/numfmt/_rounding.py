"""JJF 1059.1-2012 §5.3.8: the uncertainty to at most two significant digits, the value to
the uncertainty's last digit.

- The expanded uncertainty is reported with at most two significant digits. We
  always give two, rounded *up* ("只进不舍": the clause's note allows carrying every dropped
  digit up, so the stated uncertainty is never smaller than the evaluated one).
- The value is rounded to the decimal place of the uncertainty's last digit , by
  the rounding rule of GB/T 8170-2008 (round half to even on an exact 5); a value with fewer
  digits is padded with zeros (6.3 g with U = 0.25 g is written 6.30 g).

Floats are read through their shortest repr (`repr(0.013)` is "0.013"), so a stored 0.013
is not rounded up to 0.014 because its binary value is 0.01300000000000000027.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

SIGNIFICANT = 2  # JJF 1059.1-2012 5.3.8.1: at most two significant digits


def as_decimal(value: float | int | str | Decimal) -> Decimal:
    """The decimal a person would have typed: floats through their shortest repr."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def round_uncertainty(u: float | int | str | Decimal, digits: int = SIGNIFICANT) -> Decimal:
    """U rounded up to `digits` significant digits: 0.0123456 → 0.013, 0.0995 → 0.10."""
    d = abs(as_decimal(u))
    if d == 0:
        return Decimal(0)
    lead = d.adjusted()  # exponent of the leading digit
    rounded = d.quantize(Decimal(1).scaleb(lead - digits + 1), rounding=ROUND_CEILING)
    if rounded.adjusted() > lead:  # carried into a new digit: 0.0995 → 0.100 → 0.10
        rounded = rounded.quantize(Decimal(1).scaleb(lead - digits + 2), rounding=ROUND_CEILING)
    return rounded


def align_to(value: float | int | str | Decimal, like: Decimal) -> Decimal:
    """`value` to the decimal place of `like`'s last digit, half to even (GB/T 8170)."""
    quantum = Decimal(1).scaleb(like.as_tuple().exponent)  # type: ignore[arg-type]
    return as_decimal(value).quantize(quantum, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Rounded:
    """A measured value and its expanded uncertainty, as reported."""

    value: Decimal
    uncertainty: Decimal


def round_measurement(
    value: float | int | str | Decimal, u: float | int | str | Decimal
) -> Rounded:
    """JJF 1059.1 reporting of `value` with expanded uncertainty `u` (same unit)."""
    uncertainty = round_uncertainty(u)
    if uncertainty == 0:
        return Rounded(as_decimal(value), uncertainty)
    return Rounded(align_to(value, uncertainty), uncertainty)
