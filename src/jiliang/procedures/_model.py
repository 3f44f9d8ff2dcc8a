"""Frozen dataclasses describing a procedure (a JJG/JJF regulation as data)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

_AMOUNT = re.compile(
    r"^\s*(?P<number>[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)?\s*(?P<name>[A-Za-z_]\w*)?\s*$"
)


@dataclass(frozen=True)
class LocalizedText:
    """A text in Chinese and English."""

    zh: str
    en: str


@dataclass(frozen=True)
class Source:
    """Where the rules come from: regulation number, title, edition and clauses."""

    regulation: str
    title: str
    edition: str
    clauses: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    """An instrument parameter the lab must give (e.g. Max, e, Ib)."""

    name: str
    unit: str
    description: str = ""


@dataclass(frozen=True)
class Variable:
    """A variable of a test point: a quantity with a unit or a label from a fixed list."""

    name: str
    kind: Literal["quantity", "label"]
    unit: str = ""
    values: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Amount:
    """``number × parameter`` (e.g. "0.5 e", "Max", "20"): the only arithmetic a file may use."""

    number: Decimal
    parameter: str | None = None

    @classmethod
    def parse(cls, text: str) -> Amount | None:
        """Parse "0.5 e" / "Max" / "20"; ``None`` when the text is not of that form."""
        match = _AMOUNT.match(text)
        if match is None or (match["number"] is None and match["name"] is None):
            return None
        number = Decimal(match["number"]) if match["number"] is not None else Decimal(1)
        return cls(number, match["name"])

    def value(self, instrument: Mapping[str, Decimal]) -> Decimal:
        """The amount in the unit of its variable, for this instrument."""
        if self.parameter is None:
            return self.number
        return self.number * instrument[self.parameter]

    def __str__(self) -> str:
        if self.parameter is None:
            return str(self.number)
        if self.number == 1:
            return self.parameter
        return f"{self.number} {self.parameter}"


@dataclass(frozen=True)
class Range:
    """An interval of a quantity variable; each end open or closed, or absent."""

    lower: Amount | None
    lower_closed: bool
    upper: Amount | None
    upper_closed: bool

    def contains(self, value: Decimal, instrument: Mapping[str, Decimal]) -> bool:
        """Membership with the stated open/closed ends."""
        if self.lower is not None:
            low = self.lower.value(instrument)
            if value < low or (value == low and not self.lower_closed):
                return False
        if self.upper is not None:
            high = self.upper.value(instrument)
            if value > high or (value == high and not self.upper_closed):
                return False
        return True

    def __str__(self) -> str:
        left = (
            "(-inf" if self.lower is None else ("[" if self.lower_closed else "(") + str(self.lower)
        )
        right = (
            "inf)" if self.upper is None else str(self.upper) + ("]" if self.upper_closed else ")")
        )
        return f"{left}, {right}"


Condition = Range | tuple[str, ...]


@dataclass(frozen=True)
class BandRow:
    """One row of a banded MPE rule: conditions on the variables, MPE per accuracy class."""

    when: Mapping[str, Condition]
    mpe: Mapping[str, Amount]


@dataclass(frozen=True)
class MpeRule:
    """How a procedure sets the maximum permissible error of a point."""

    kind: Literal["bands", "table"]
    unit: str
    relative: bool
    clause: str
    rows: tuple[BandRow, ...] = ()
    key: str = ""
    table: Mapping[Decimal, Mapping[str, Decimal | None]] | None = None
    in_service_factor: Decimal | None = None
    in_service_clause: str = ""


@dataclass(frozen=True)
class DecisionRuleSpec:
    """The decision rule a procedure prescribes (kind as in jiliang.conformity.RuleKind)."""

    kind: str
    guard_band_factor: Decimal
    clause: str


@dataclass(frozen=True)
class PointSpec:
    """A test point as written in the file: each variable an amount or a label."""

    label: str
    at: Mapping[str, Amount | str]


@dataclass(frozen=True)
class TestPlan:
    """Rule to generate test points from the instrument's parameters."""

    __test__ = False  # not a pytest test class

    points: tuple[PointSpec, ...]
    only_up_to: Mapping[str, Amount]
    clause: str


@dataclass(frozen=True)
class RequiredStandard:
    """What a standard must satisfy to be used (quantity, range, minimum accuracy)."""

    quantity: str
    description: LocalizedText
    covers: Mapping[str, Range]
    max_fraction_of_mpe: Fraction
    clause: str
    note: str = ""


@dataclass(frozen=True)
class StandardRequirement:
    """What a standard must meet at one point of one instrument (for the selection interlock)."""

    quantity: str
    description: LocalizedText
    max_error: Decimal
    """Largest error (or U, k = 2) allowed for the standard: fraction × MPE, in ``unit``."""
    unit: str
    relative: bool
    ranges: Mapping[str, tuple[Decimal | None, Decimal | None]]
    """Per variable, the (lower, upper) values the standard must cover for this instrument."""
    clause: str


@dataclass(frozen=True)
class EnvironmentLimit:
    """An environmental condition the work must be done in."""

    quantity: str
    unit: str
    minimum: Decimal | None
    maximum: Decimal | None
    clause: str
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerificationPeriod:
    """Longest interval to the next verification that the regulation sets."""

    months: int
    clause: str


@dataclass(frozen=True)
class TestPoint:
    """A generated test point: label and the value of each variable."""

    __test__ = False  # not a pytest test class

    label: str
    values: Mapping[str, Decimal | str]


@dataclass(frozen=True)
class Mpe:
    """Maximum permissible error at a point (± value, in ``unit``; relative when ``relative``)."""

    value: Decimal
    unit: str
    relative: bool
    accuracy_class: str
    in_service: bool
    clause: str


@dataclass(frozen=True)
class Procedure:
    """A verification or calibration procedure loaded from a data file."""

    origin: str
    code: str
    title: LocalizedText
    edition: str
    kind: Literal["verification", "calibration"]
    instrument_category: LocalizedText
    source: Source
    quantity: str
    accuracy_classes: tuple[str, ...]
    parameters: Mapping[str, Parameter]
    variables: Mapping[str, Variable]
    mpe_rule: MpeRule
    decision_rule: DecisionRuleSpec
    test_plan: TestPlan
    required_standards: tuple[RequiredStandard, ...]
    environment: tuple[EnvironmentLimit, ...]
    verification_period: VerificationPeriod
    uncertainty_model: Mapping[str, Any]
