"""Identifiers of China's measurement system, validated by their published rules.

Pure functions, no framework: the registry, the importers and the API all call them.
"""

from jiliang.codes._codes import (
    CodeError,
    DivisionCode,
    check_division_code,
    check_gbw_number,
    check_primary_standard_code,
    check_uscc,
    uscc_check_character,
)

__all__ = [
    "CodeError",
    "DivisionCode",
    "check_division_code",
    "check_gbw_number",
    "check_primary_standard_code",
    "check_uscc",
    "uscc_check_character",
]
