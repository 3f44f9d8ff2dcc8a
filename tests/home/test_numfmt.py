"""Number formatting: JJF 1059.1-2012 §5.3.8 rounding and SI prefixes, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

import jiliang.numfmt as numfmt
from jiliang.numfmt import (
    align_to,
    choose_prefix,
    format_measurement,
    format_number,
    format_quantity,
    format_relative,
    format_uncertainty,
    round_measurement,
    round_uncertainty,
    split_prefix,
)

NNBSP = "\u202f"


def test_exported_names_are_pinned() -> None:
    assert sorted(numfmt.__all__) == [
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


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        # two significant digits, every dropped digit carried up (JJF 1059.1 §5.3.8, its note):
        ("0.0123456", "0.013"),  # 0.012|3456 → 0.013
        ("0.012", "0.012"),  # nothing dropped, nothing carried
        (0.013, "0.013"),  # the float 0.013 (binary 0.0130000000000000003) stays 0.013
        ("0.0995", "0.10"),  # 0.099|5 → 0.100 → two digits: 0.10
        ("27.3", "28"),  # 27|.3 → 28
        ("1.6e-06", "0.0000016"),
        ("12345", "13000"),  # 12|345 → 13 000 (13E+3)
        ("0.25", "0.25"),
    ],
)
def test_uncertainty_two_digits_rounded_up(u: object, expected: str) -> None:
    assert round_uncertainty(u) == Decimal(expected)  # type: ignore[arg-type]


def test_value_aligned_to_the_uncertainty() -> None:
    # value 10.012345, U = 0.013: the last digit of U is the thousandths → 10.012|345 → 10.012
    r = round_measurement(10.012345, 0.0123456)
    assert (str(r.value), str(r.uncertainty)) == ("10.012", "0.013")
    # 10.05762 Ω with U = 27 mΩ = 0.027 Ω → 10.058 (10.057|62, the 6 carries)
    assert str(round_measurement(10.05762, 0.027).value) == "10.058"
    # too few digits are padded: 6.3 g with U = 0.25 g → 6.30 g
    assert str(round_measurement(6.3, 0.25).value) == "6.30"
    # an exact 5 goes to the even neighbour (GB/T 8170-2008): 2.0125 → 2.012, 2.0135 → 2.014
    assert str(align_to("2.0125", Decimal("0.001"))) == "2.012"
    assert str(align_to("2.0135", Decimal("0.001"))) == "2.014"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.6e-05, "0.000016"),
        (500000000.0, f"500{NNBSP}000{NNBSP}000"),
        (15.0, "15"),
        (2500, "2500"),  # four digits are not grouped (SI brochure 5.4.4)
        (12345.678, f"12{NNBSP}345.678"),
        (-0.5, "−0.5"),
    ],
)
def test_numbers_in_positional_notation(value: object, expected: str) -> None:
    assert format_number(value) == expected  # type: ignore[arg-type]
    assert "e" not in format_number(value).lower()  # type: ignore[arg-type]


def test_prefix_chosen_exactly() -> None:
    assert split_prefix("kg") == numfmt.PrefixedUnit("k", 3, "g")
    assert split_prefix("Pa") == numfmt.PrefixedUnit("", 0, "Pa")
    assert split_prefix("mm") == numfmt.PrefixedUnit("m", -3, "m")
    assert split_prefix("%") is None
    assert split_prefix("°C") is None
    # 5.0000e8 Pa: leading digit at 10^8 → prefix 10^6 (M) → 500 MPa
    assert format_quantity(500000000.0, "Pa") == "500 MPa"
    # 1.6e-06 kg = 1.6e-03 g → m → 1.6 mg (exact, not 1.5999999999999999 mg)
    assert format_quantity(1.6e-06, "kg") == "1.6 mg"
    # inside 0.001 ≤ |x| < 10^6 the unit stays: 15 kg, 0.04 kg
    assert format_quantity(15.0, "kg") == "15 kg"
    assert format_quantity(0.04, "kg") == "0.04 kg"
    # a unit without prefixes keeps its own, grouped: 2 000 000 r/min
    assert format_quantity(2e6, "r/min") == f"2{NNBSP}000{NNBSP}000 r/min"
    assert choose_prefix(Decimal("0.00002"), "") == (Decimal("0.00002"), "")


def test_measurement_text() -> None:
    assert format_measurement(10.012345, 0.0123456, "kg") == "(10.012 ± 0.013) kg"
    # 500 000 000 Pa ± 12 345 Pa: in MPa 500 ± 0.012345 → U 0.013, value 500.000
    assert format_measurement(500000000.0, 12345, "Pa") == "(500.000 ± 0.013) MPa"
    assert format_measurement(1.0, None, "kg") == "1 kg"
    # the E2 weight's U = 1.6 mg on 1 kg: 1 kg aligned to 0.0000016 → 1.0000000
    assert format_measurement(1.0, 1.6e-06, "kg") == "(1.0000000 ± 0.0000016) kg"
    assert format_uncertainty(0.0000016, "kg") == "1.6 mg"


def test_relative_uncertainty() -> None:
    assert format_relative(0.0025) == "0.25 %"  # 0.0025 × 100 = 0.25
    assert format_relative(2e-06) == "2.0 × 10⁻⁶"
    assert format_relative(2.34e-07) == "2.4 × 10⁻⁷"  # 2.3|4 carried up


def test_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        format_number(float("nan"))
