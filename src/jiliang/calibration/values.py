"""Numbers typed or computed in calibration work: parsed strictly, compared across mass units.

Why a module of its own: the receipt, the results and the interlock all read numbers the same way.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

# Unit factors used to compare a procedure's values (e.g. g) with a standard's range (e.g. kg).
# These are SI prefixes, not rules of the measurement system.
_MASS = {"mg": Decimal("0.001"), "g": Decimal(1), "kg": Decimal(1000), "t": Decimal(10**6)}


def convert(value: Decimal, unit: str, to: str) -> Decimal | None:
    """``value`` in ``unit`` expressed in ``to``; None when the units cannot be compared."""
    if unit == to:
        return value
    if unit in _MASS and to in _MASS:
        return value * _MASS[unit] / _MASS[to]
    return None


def _number(value: object, field: str) -> Decimal:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = Decimal(str(value).strip())
    except Exception:
        raise ValidationError({field: f"{value!r} is not a number"}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{value!r} is not a finite number"})
    return number
