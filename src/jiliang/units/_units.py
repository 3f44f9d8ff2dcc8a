"""Parsing and converting values typed with units (pint), with messages people can act on."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

# Unit spellings of the registry's data (GB 3100-1993 symbols) that pint reads otherwise.
_SPELLINGS = {"³": "**3", "²": "**2", "℃": "degC", "°C": "degC", "μ": "u", "µ": "u"}
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


class UnitError(ValueError):
    """A value or unit that cannot be read or converted; the message names both."""


@dataclass(frozen=True)
class Value:
    """A number with the unit it was typed in ('' when none was typed)."""

    magnitude: float
    unit: str


@functools.cache
def _registry() -> Any:
    import pint

    registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    return registry


def _pint_unit(unit: str) -> Any:
    text = unit.strip()
    for spelled, pint_name in _SPELLINGS.items():
        text = text.replace(spelled, pint_name)
    try:
        return _registry().Unit(text)
    except Exception as exc:  # pint raises several error types for unknown units
        raise UnitError(f"unknown unit {unit!r} (无法识别的单位)") from exc


def parse(text: str, default_unit: str = "") -> Value:
    """'15 kg' → Value(15.0, 'kg'); '15' → Value(15.0, default_unit)."""
    match = _NUMBER.match(text or "")
    if match is None:
        raise UnitError(f"{text!r} is not a number with an optional unit (应为数值加单位)")
    magnitude = float(match.group(1))
    if not math.isfinite(magnitude):
        raise UnitError(f"{text!r} is not a finite number (数值无效)")
    unit = match.group(2) or default_unit
    if unit:
        _pint_unit(unit)
    return Value(magnitude, unit)


def compatible(unit_a: str, unit_b: str) -> bool:
    """Whether the two units measure the same kind of quantity (same dimension)."""
    return bool(_pint_unit(unit_a).dimensionality == _pint_unit(unit_b).dimensionality)


def convert(magnitude: float, from_unit: str, to_unit_: str) -> float:
    """The magnitude in another unit of the same dimension."""
    source, target = _pint_unit(from_unit), _pint_unit(to_unit_)
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            f"{from_unit} cannot be converted to {to_unit_}: not the same kind of quantity "
            f"({from_unit} 与 {to_unit_} 量纲不同)"
        )
    quantity = _registry().Quantity(magnitude, source)
    return float(quantity.to(target).magnitude)


def to_unit(text: str, unit: str) -> float:
    """A typed value ('2500 kPa', or a bare number meaning `unit`) in `unit`."""
    value = parse(text, unit)
    return convert(value.magnitude, value.unit, unit) if value.unit != unit else value.magnitude


def _fmt(number: float) -> str:
    return f"{number:.6g}"


def within_range(text: str, low: float | None, high: float | None, unit: str) -> float:
    """The typed value in `unit`, refused when outside [low, high] with both figures shown.

    '15 g' against a 0.04–15 kg scale: "15 g = 0.015 kg is outside the range 0.04–15 kg".
    """
    value = parse(text, unit)
    converted = (
        convert(value.magnitude, value.unit, unit) if value.unit != unit else value.magnitude
    )
    below = low is not None and converted < low
    above = high is not None and converted > high
    if below or above:
        shown = f"{_fmt(value.magnitude)} {value.unit}"
        if value.unit != unit:
            shown += f" = {_fmt(converted)} {unit}"
        span = f"{_fmt(low) if low is not None else '…'}–{_fmt(high) if high is not None else '…'}"
        raise UnitError(f"{shown} is outside the range {span} {unit} (超出测量范围 {span} {unit})")
    return converted
