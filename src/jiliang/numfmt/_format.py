"""Text of numbers for pages: positional notation, SI digit grouping, units attached.

Digit groups (SI brochure 9th ed. §5.4.4, GB 3101-1993 3.5.2): an integer part of more than
four digits is split into groups of three by a narrow no-break space (U+202F), so 500000000
reads 500 000 000 and never wraps; the fraction is left whole (0.000016). No e-notation ever.
"""

from __future__ import annotations

from decimal import Decimal

from jiliang.numfmt._rounding import as_decimal, round_measurement, round_uncertainty
from jiliang.numfmt._units import choose_prefix

GROUP = "\u202f"  # narrow no-break space
MINUS = "−"  # U+2212, the minus sign of typeset numbers
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _plain(d: Decimal) -> str:
    """Positional notation of a decimal, keeping its digits (5E+8 → 500000000)."""
    if d.as_tuple().exponent > 0:  # type: ignore[operator]
        d = d.quantize(Decimal(1))
    return format(d, "f")


def format_number(value: float | int | str | Decimal, *, group: bool = True) -> str:
    """1.6e-05 → '0.000016'; 500000000.0 → '500 000 000'; 15.0 → '15'."""
    d = as_decimal(value)
    if isinstance(value, float) and d == d.to_integral_value():
        d = d.quantize(Decimal(1))  # 15.0 is stored as a float, written 15
    text = _plain(d)
    negative = text.startswith("-")
    text = text.lstrip("-")
    whole, dot, fraction = text.partition(".")
    if group and len(whole) > 4:
        head = len(whole) % 3 or 3
        parts = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
        whole = GROUP.join(parts)
    return (MINUS if negative else "") + whole + dot + fraction


def format_quantity(value: float | int | str | Decimal, unit: str = "") -> str:
    """A value with its unit, prefixed when that is how it is written: '500 MPa', '15 kg'."""
    scaled, shown = choose_prefix(as_decimal(value), unit)
    number = format_number(scaled.normalize() if scaled != as_decimal(value) else value)
    return f"{number} {shown}" if shown else number


def format_uncertainty(u: float | int | str | Decimal, unit: str = "") -> str:
    """An expanded uncertainty rounded up to two significant digits: 0.0123456 → '0.013'."""
    rounded = round_uncertainty(u)
    scaled, shown = choose_prefix(rounded, unit)
    number = format_number(scaled)
    return f"{number} {shown}" if shown else number


def format_measurement(
    value: float | int | str | Decimal, u: float | int | str | Decimal | None, unit: str = ""
) -> str:
    """'(10.012 ± 0.013) kg': U to two digits, the value to U's last digit (JJF 1059.1).

    The prefix is chosen for the value and applied to both, so they stay comparable:
    500000000 Pa ± 12345 Pa → '(500.000 ± 0.013) MPa'.
    """
    if u is None:
        return format_quantity(value, unit)
    v = as_decimal(value)
    scaled, shown = choose_prefix(v, unit)
    shift = scaled.adjusted() - v.adjusted() if v != 0 else 0
    rounded = round_measurement(scaled, as_decimal(u).scaleb(shift))
    text = f"{format_number(rounded.value)} ± {format_number(rounded.uncertainty)}"
    return f"({text}) {shown}" if shown else text


def format_relative(u: float | int | str | Decimal) -> str:
    """A relative uncertainty: two digits up, as a percentage from 0.1 %, else × 10⁻ⁿ."""
    d = round_uncertainty(u)
    if d == 0:
        return "0"
    if d >= Decimal("0.001"):
        return f"{format_number(round_uncertainty(d * 100))} %"
    exponent = d.adjusted()
    mantissa = round_uncertainty(d.scaleb(-exponent))
    return f"{format_number(mantissa)} × 10{str(exponent).translate(_SUPERSCRIPT)}"
