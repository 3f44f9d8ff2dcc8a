"""Quantities typed with their unit: parse, convert with pint, check against a range.

Pure (no Django): the record forms and their API call it so that "15 g" typed for a 15 kg
scale's range is converted, or refused with a clear message, never taken as 15 kg.
"""

from jiliang.units._units import (
    UnitError,
    Value,
    compatible,
    convert,
    parse,
    to_unit,
    within_range,
)

__all__ = ["UnitError", "Value", "compatible", "convert", "parse", "to_unit", "within_range"]
