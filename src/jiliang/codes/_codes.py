"""Validators for USCC (GB 32100-2015), division codes (GB/T 2260), GBW numbers, GJJ codes."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources

import yaml


class CodeError(ValueError):
    """An identifier that breaks its published rule; the message says which rule."""


@functools.cache
def _rules() -> dict[str, object]:
    text = resources.files("jiliang.data.registry").joinpath("codes.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _uscc_alphabet() -> str:
    return str(_rules()["uscc"]["alphabet"])  # type: ignore[index]


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, 4.3)."""
    alphabet = _uscc_alphabet()
    modulus = len(alphabet)
    total = 0
    for position, char in enumerate(first17):
        value = alphabet.find(char)
        if value < 0:
            raise CodeError(f"character {char!r} at position {position + 1} is not allowed")
        total += value * pow(3, position, modulus)
    return alphabet[(modulus - total % modulus) % modulus]


def check_uscc(code: str) -> str:
    """Return the normalised 18-character code or raise CodeError saying what is wrong."""
    code = code.strip().upper()
    if len(code) != 18:
        raise CodeError(f"unified social credit code must have 18 characters, got {len(code)}")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise CodeError(
            f"check character is {code[17]!r} but GB 32100-2015 gives {expected!r} for {code[:17]}"
        )
    check_division_code(code[2:8], allow_unlisted=True)
    return code


@dataclass(frozen=True)
class DivisionCode:
    code: str
    name_zh: str
    name_en: str
    level: str  # province, prefecture, county

    @property
    def prefix(self) -> str:
        """The significant digits: '37' for a province, '3703' for a city."""
        return {"province": self.code[:2], "prefecture": self.code[:4]}.get(self.level, self.code)


@functools.cache
def _divisions() -> dict[str, DivisionCode]:
    path = resources.files("jiliang.data.registry").joinpath("divisions.csv")
    rows: dict[str, DivisionCode] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            rows[row["code"]] = DivisionCode(
                row["code"], row["name_zh"], row["name_en"], row["level"]
            )
    return rows


def check_division_code(code: str, *, allow_unlisted: bool = False) -> DivisionCode:
    """Validate a six-digit GB/T 2260 code against the shipped division table."""
    if not re.fullmatch(r"\d{6}", code):
        raise CodeError(f"division code must be six digits, got {code!r}")
    table = _divisions()
    if code in table:
        return table[code]
    province = table.get(code[:2] + "0000")
    if province is None:
        raise CodeError(f"{code[:2]} is not a province-level code of GB/T 2260")
    if not allow_unlisted:
        raise CodeError(f"division code {code} is not in the shipped GB/T 2260 table")
    level = "prefecture" if code[4:] == "00" else "county"
    return DivisionCode(code, province.name_zh, province.name_en, level)


def check_gbw_number(number: str) -> tuple[int, str]:
    """Return (grade, normalised number) of a certified reference material number."""
    number = number.strip().upper().replace("（", "(").replace("）", ")")
    for grade, pattern in ((1, _rules()["gbw"]["grade1"]), (2, _rules()["gbw"]["grade2"])):  # type: ignore[index]
        if re.fullmatch(str(pattern), number):
            return grade, number
    raise CodeError(
        f"{number!r} is neither a grade 1 number (GBW + 5 digits) "
        "nor a grade 2 number (GBW(E) + 6 digits)"
    )


def check_primary_standard_code(code: str) -> str:
    """Validate a national primary standard code such as GJJ(力)0101."""
    code = code.strip().replace("（", "(").replace("）", ")")
    disciplines = "|".join(_rules()["gjj"]["disciplines"])  # type: ignore[index]
    if not re.fullmatch(rf"GJJ\(({disciplines})\)\d{{4}}", code):
        raise CodeError(
            f"{code!r} is not a primary standard code: GJJ(<discipline>)NNNN, "
            f"discipline one of {disciplines.replace('|', ' ')}"
        )
    return code
