"""Numbers in the messages of the traceability and interlock rules, as people write them.

Why: the rules printed raw floats ("uncertainty 1e-05 exceeds the required 8.333e-06",
"range 0.0–500000000.0 Pa"). Here every figure goes through jiliang.numfmt: positional
notation, SI digit groups, the SI prefix a person would write (exact, in decimal), and
JJF 1059.1-2012 rounding for uncertainties (two significant digits, rounded up).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from jiliang import numfmt

LIMIT_DIGITS = 3  # a required limit is shown to three significant digits, half to even


def _with_unit(number: str, unit: str) -> str:
    return f"{number} {unit}" if unit else number


def quantity(value: float | Decimal, unit: str = "") -> str:
    """A value with its unit: 500000000.0 Pa → '500 MPa'; 1e-05 kg → '10 mg'."""
    return numfmt.format_quantity(value, unit)


def uncertainty(u: float | Decimal, unit: str = "") -> str:
    """An (expanded) uncertainty, two significant digits rounded up: 0.0123 g → '0.013 g'."""
    return numfmt.format_uncertainty(u, unit)


def _limit(value: float | Decimal) -> Decimal:
    d = numfmt.as_decimal(value)
    if d != 0:
        d = d.quantize(Decimal(1).scaleb(d.adjusted() - LIMIT_DIGITS + 1), ROUND_HALF_EVEN)
    return d


def limit(value: float | Decimal, unit: str = "") -> str:
    """A required limit, three significant digits: 0.8333333 g → '0.833 g'."""
    return numfmt.format_quantity(_limit(value), unit)


def uncertainty_against(
    u: float | Decimal, required: float | Decimal, unit: str = ""
) -> tuple[str, str]:
    """An uncertainty and the limit it is compared with, both in the prefix the larger takes,
    so they read side by side: 0.002, 0.00083333 kg → ('0.0020 kg', '0.000833 kg')."""
    rounded, lim = numfmt.round_uncertainty(u), _limit(required)
    biggest = max(rounded, abs(lim))
    scaled, shown = numfmt.choose_prefix(biggest, unit)
    shift = scaled.adjusted() - biggest.adjusted() if biggest != 0 else 0
    return (
        _with_unit(numfmt.format_number(rounded.scaleb(shift)), shown),
        _with_unit(numfmt.format_number(lim.scaleb(shift)), shown),
    )


def ratio(value: float | Decimal) -> str:
    """A ratio of two quantities, two decimals: 2.0 → '2.00' (compared with a threshold)."""
    d = numfmt.as_decimal(value).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return numfmt.format_number(d)


def value_range(low: float | Decimal, high: float | Decimal, unit: str = "") -> str:
    """Both ends in the prefix the larger takes: 0, 500000000 Pa → '0–500 MPa'."""
    lo, hi = numfmt.as_decimal(low), numfmt.as_decimal(high)
    biggest = max(abs(lo), abs(hi))
    scaled, shown = numfmt.choose_prefix(biggest, unit)
    shift = scaled.adjusted() - biggest.adjusted() if biggest != 0 else 0

    def end(d: Decimal) -> str:
        if shift == 0:
            return numfmt.format_number(low if d is lo else high)
        return numfmt.format_number(d.scaleb(shift).normalize())

    return _with_unit(f"{end(lo)}–{end(hi)}", shown)
