"""Units through pint: one lazily built registry, relative units (%, ppm) handled apart.

Why apart: KCDB states many expanded uncertainties relative to the measured value; pint would
treat "%" as a plain dimensionless number, which hides that it must be multiplied by x.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jiliang.capability._errors import CapabilityError

__all__ = ["RELATIVE", "compatible", "convert", "registry", "relative_factor"]

RELATIVE: dict[str, float] = {"%": 1e-2, "percent": 1e-2, "ppm": 1e-6, "µ/µ": 1e-6, "1e-6": 1e-6}


@cache
def registry() -> Any:
    import pint

    return pint.UnitRegistry()


def relative_factor(unit: str) -> float | None:
    """The factor of a relative unit (0.01 for %), or None for an absolute unit."""
    return RELATIVE.get(unit.strip())


def _unit(text: str, where: str) -> Any:
    import pint

    try:
        return registry().Unit(text.strip().replace("µ", "u"))
    except (pint.UndefinedUnitError, pint.DefinitionSyntaxError, AttributeError, ValueError):
        raise CapabilityError(where, f"unknown unit {text!r}") from None
    except Exception as exc:  # pint raises assorted parser errors for odd text
        raise CapabilityError(where, f"unknown unit {text!r} ({type(exc).__name__})") from None


def compatible(a: str, b: str, where: str) -> bool:
    """Whether two absolute units measure the same dimension."""
    return bool(_unit(a, where).dimensionality == _unit(b, where).dimensionality)


OFFSET_UNITS = {
    "degc": "delta_degC",
    "°c": "delta_degC",
    "celsius": "delta_degC",
    "degree_celsius": "delta_degC",
    "degf": "delta_degF",
    "°f": "delta_degF",
    "fahrenheit": "delta_degF",
    "degree_fahrenheit": "delta_degF",
}


def convert(value: float, frm: str, to: str, where: str, *, difference: bool = False) -> float:
    """``value`` in unit ``frm`` expressed in unit ``to`` (same dimension, else an error).

    An uncertainty is a difference: with ``difference`` a Celsius or Fahrenheit unit is read as
    its interval (1 °C of uncertainty is 1 K, not 274.15 K).
    """
    if frm.strip() == to.strip():
        return value
    if difference:
        frm = OFFSET_UNITS.get(frm.strip().lower(), frm)
        to = OFFSET_UNITS.get(to.strip().lower(), to)
    source, target = _unit(frm, where), _unit(to, where)
    if source.dimensionality != target.dimensionality:
        raise CapabilityError(where, f"{frm} cannot be converted to {to}")
    return float(registry().Quantity(value, source).to(target).magnitude)
