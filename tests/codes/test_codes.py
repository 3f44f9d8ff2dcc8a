"""Identifier rules, checked against real published identifiers."""

from __future__ import annotations

import pytest

from jiliang import codes
from jiliang.codes import (
    CodeError,
    check_division_code,
    check_gbw_number,
    check_primary_standard_code,
    check_uscc,
)

# Real unified social credit codes as printed on public business licences / registers:
# Tencent Technology (Shenzhen), Alibaba (China) Co., and the worked example of GB 32100-2015.
REAL_USCC = ["9144030071526726XG", "91330100716105852F", "91350100M000100Y43"]


def test_exported_names() -> None:
    assert sorted(codes.__all__) == sorted(
        [
            "CodeError",
            "DivisionCode",
            "check_division_code",
            "check_gbw_number",
            "check_primary_standard_code",
            "check_uscc",
            "uscc_check_character",
        ]
    )


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_uscc_codes_validate(code: str) -> None:
    assert check_uscc(code.lower()) == code


@pytest.mark.parametrize("code", REAL_USCC)
def test_any_changed_check_character_is_rejected(code: str) -> None:
    for replacement in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if replacement == code[17]:
            continue
        with pytest.raises(CodeError, match="check character"):
            check_uscc(code[:17] + replacement)


def test_uscc_transposition_is_caught() -> None:
    code = REAL_USCC[1]
    swapped = code[:9] + code[10] + code[9] + code[11:]
    with pytest.raises(CodeError):
        check_uscc(swapped)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330100716105852", "18 characters"),
        ("9133010071610585IF", "not allowed"),  # I is excluded from the alphabet
    ],
)
def test_uscc_errors_say_why(code: str, message: str) -> None:
    with pytest.raises(CodeError, match=message):
        check_uscc(code)


def test_uscc_with_unknown_province_is_rejected() -> None:
    from jiliang.codes import uscc_check_character

    body = "91990100716105852"
    with pytest.raises(CodeError, match="province"):
        check_uscc(body + uscc_check_character(body))


def test_division_codes() -> None:
    assert check_division_code("370300").name_zh == "淄博市"
    assert check_division_code("370300").prefix == "3703"
    assert check_division_code("310000").prefix == "31"
    with pytest.raises(CodeError, match="six digits"):
        check_division_code("3703")
    with pytest.raises(CodeError, match="not a province"):
        check_division_code("990000")
    with pytest.raises(CodeError, match="not in the shipped"):
        check_division_code("370399")
    assert check_division_code("370399", allow_unlisted=True).level == "county"


@pytest.mark.parametrize(
    ("number", "grade"),
    [("GBW07101", 1), ("gbw07101", 1), ("GBW(E)080001", 2), ("GBW（E）080001", 2)],
)
def test_gbw_numbers(number: str, grade: int) -> None:
    assert check_gbw_number(number)[0] == grade


@pytest.mark.parametrize("number", ["GBW0710", "GBW(E)08001", "GBW(F)080001", "GB07101"])
def test_bad_gbw_numbers(number: str) -> None:
    with pytest.raises(CodeError):
        check_gbw_number(number)


def test_primary_standard_codes() -> None:
    assert check_primary_standard_code("GJJ（力）0101") == "GJJ(力)0101"
    with pytest.raises(CodeError, match="discipline"):
        check_primary_standard_code("GJJ(X)0101")
    with pytest.raises(CodeError):
        check_primary_standard_code("GJJ(力)101")
