"""Numbers as people write them in metrology: JJF 1059.1 rounding, SI prefixes, no e-notation.

Pure functions, no framework: the template filters (`{% load numbers %}`), exports and the
API can all call them. docs/ui.md ("Number formatting") gives the rules and their sources.
"""

from jiliang.numfmt._format import (
    format_measurement,
    format_number,
    format_quantity,
    format_relative,
    format_uncertainty,
)
from jiliang.numfmt._rounding import (
    Rounded,
    align_to,
    as_decimal,
    round_measurement,
    round_uncertainty,
)
from jiliang.numfmt._units import PrefixedUnit, choose_prefix, split_prefix

__all__ = [
    "PrefixedUnit",
    "Rounded",
    "align_to",
    "as_decimal",
    "choose_prefix",
    "format_measurement",
    "format_number",
    "format_quantity",
    "format_relative",
    "format_uncertainty",
    "round_measurement",
    "round_uncertainty",
    "split_prefix",
]
