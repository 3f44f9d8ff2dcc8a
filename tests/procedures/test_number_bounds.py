"""Numbers in procedures and requests are bounded (issue 12 §2): no decimal.Overflow.

An instrument with e = 1e999999 made ``mpe_at`` multiply past decimal's exponent range and
raise decimal.Overflow (an ArithmeticError, not a ValueError), a 500 in calibration jobs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jiliang.procedures import (
    ProcedureError,
    generate_test_points,
    get_procedure,
    mpe_at,
    parse_procedure_text,
)

SCALE_FILE = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "jiliang"
    / "data"
    / "procedures"
    / "jjg539-2016-class-iii.yaml"
)


@pytest.mark.parametrize(
    ("instrument", "point", "field"),
    [
        ({"Max": "1e999999", "e": "1e999999"}, {"load": "100"}, "Max"),
        ({"Max": "3000", "e": "1e31"}, {"load": "100"}, "e"),
        ({"Max": "3000", "e": "1e-31"}, {"load": "100"}, "e"),
        ({"Max": "3000", "e": "1"}, {"load": "1e999999"}, "load"),
        ({"Max": "3000", "e": "1." + "1" * 60}, {"load": "100"}, "e"),
    ],
)
def test_out_of_range_numbers_are_a_procedure_error(
    instrument: dict[str, str], point: dict[str, str], field: str
) -> None:
    procedure = get_procedure("JJG 539-2016")
    with pytest.raises(ProcedureError) as caught:
        mpe_at(procedure, point, instrument, "III")
    assert caught.value.path == field


def test_ordinary_numbers_still_work() -> None:
    # OIML R 76-1 Table 6, class III: 0 <= m <= 500 e -> MPE 0.5 e on initial verification.
    procedure = get_procedure("JJG 539-2016")
    assert mpe_at(procedure, {"load": "100"}, {"Max": "3000", "e": "1"}, "III").value == 0.5
    assert generate_test_points(procedure, {"Max": "3000", "e": "1"})


def test_a_huge_amount_in_a_procedure_file_is_refused_at_its_line() -> None:
    text = SCALE_FILE.read_text(encoding="utf-8")
    assert "0.5 e" in text
    with pytest.raises(ProcedureError) as caught:
        parse_procedure_text(text.replace("0.5 e", "1e999999 e", 1), "lab.yaml")
    assert "outside 1e-30 .. 1e30" in caught.value.reason
    assert caught.value.line is not None
