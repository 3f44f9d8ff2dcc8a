"""Decision rules for statements of conformity (ISO/IEC 17025:2017 7.8.6, ILAC-G8:2019, JCGM 106).

Boundary convention (documented in docs/conformity.md): every zone is closed on the side of the
tolerance interval, so a measured value *equal* to an acceptance limit is accepted. This is the
same convention as the legal-metrology rule |E| <= MPE (JJF 1094-2002 5.3, OIML R 76 / JJG 539
"shall not exceed"), and it makes the binary rules nest: a guarded-acceptance pass is always a
simple-acceptance pass, which is always a guarded-rejection pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from jiliang.conformity._errors import ConformityError
from jiliang.conformity._numbers import Number, to_decimal


class RuleKind(StrEnum):
    """The decision rules of ILAC-G8:2019 clause 4."""

    SIMPLE_ACCEPTANCE = "simple_acceptance"
    GUARDED_ACCEPTANCE = "guarded_acceptance"
    GUARDED_REJECTION = "guarded_rejection"
    NON_BINARY = "non_binary"


class Statement(StrEnum):
    """Statement of conformity; values are the DCC 3.3.0 ``conformity`` enumeration."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    CONDITIONAL_PASS = "conditionalPass"  # noqa: S105
    CONDITIONAL_FAIL = "conditionalFail"
    FAIL = "fail"


@dataclass(frozen=True)
class Tolerance:
    """Tolerance interval [lower, upper]; one side may be open (``None``) for one-sided limits."""

    lower: Decimal | None
    upper: Decimal | None

    def __post_init__(self) -> None:
        if self.lower is None and self.upper is None:
            raise ConformityError("tolerance", "needs at least one limit")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ConformityError(
                "tolerance", f"lower limit {self.lower} must not exceed upper limit {self.upper}"
            )

    @classmethod
    def two_sided(cls, lower: Number, upper: Number) -> Tolerance:
        """Both limits given."""
        return cls(to_decimal(lower, "tolerance.lower"), to_decimal(upper, "tolerance.upper"))

    @classmethod
    def symmetric(cls, nominal: Number, mpe: Number) -> Tolerance:
        """nominal ± MPE, the usual form of a verification regulation."""
        centre = to_decimal(nominal, "tolerance.nominal")
        half = to_decimal(mpe, "tolerance.mpe")
        if half <= 0:
            raise ConformityError("tolerance.mpe", f"must be positive, got {half}")
        return cls(centre - half, centre + half)

    @classmethod
    def upper_only(cls, upper: Number) -> Tolerance:
        """One-sided: only an upper limit (e.g. a maximum leakage)."""
        return cls(None, to_decimal(upper, "tolerance.upper"))

    @classmethod
    def lower_only(cls, lower: Number) -> Tolerance:
        """One-sided: only a lower limit (e.g. a minimum insulation resistance)."""
        return cls(to_decimal(lower, "tolerance.lower"), None)

    def contains(self, value: Decimal) -> bool:
        """Closed interval membership."""
        if self.lower is not None and value < self.lower:
            return False
        return not (self.upper is not None and value > self.upper)

    def widened(self, by: Decimal) -> Tolerance:
        """Move each present limit outwards by ``by`` (inwards when negative)."""
        lower = None if self.lower is None else self.lower - by
        upper = None if self.upper is None else self.upper + by
        return Tolerance(lower, upper)


@dataclass(frozen=True)
class DecisionRule:
    """A decision rule; the guard band is w = r·U with r = ``guard_band_factor``."""

    kind: RuleKind
    guard_band_factor: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if self.guard_band_factor < 0:
            raise ConformityError(
                "guard_band_factor", f"must not be negative, got {self.guard_band_factor}"
            )

    @classmethod
    def simple_acceptance(cls) -> DecisionRule:
        """w = 0 (ILAC-G8:2019 4.2.1): accept when the measured value is within tolerance."""
        return cls(RuleKind.SIMPLE_ACCEPTANCE, Decimal(0))

    @classmethod
    def guarded_acceptance(cls, r: Number = 1) -> DecisionRule:
        """Acceptance limits tolerance - r·U (ILAC-G8:2019 4.2.2; JCGM 106:2012 8.3): favours
        the consumer."""
        return cls(RuleKind.GUARDED_ACCEPTANCE, to_decimal(r, "guard_band_factor"))

    @classmethod
    def guarded_rejection(cls, r: Number = 1) -> DecisionRule:
        """Rejection limits tolerance + r·U (JCGM 106:2012 8.3, guarded rejection): favours the
        producer; a result is rejected only when it is clearly out of tolerance."""
        return cls(RuleKind.GUARDED_REJECTION, to_decimal(r, "guard_band_factor"))

    @classmethod
    def non_binary(cls, r: Number = 1) -> DecisionRule:
        """Pass / conditional pass / conditional fail / fail (ILAC-G8:2019 4.2.3, Fig. 5)."""
        return cls(RuleKind.NON_BINARY, to_decimal(r, "guard_band_factor"))

    def guard_band(self, expanded_uncertainty: Decimal) -> Decimal:
        """w = r·U, zero for simple acceptance."""
        if self.kind is RuleKind.SIMPLE_ACCEPTANCE:
            return Decimal(0)
        return self.guard_band_factor * expanded_uncertainty

    def acceptance_zone(
        self, tolerance: Tolerance, expanded_uncertainty: Number
    ) -> Tolerance | None:
        """The interval of measured values that gives a pass; ``None`` when it is empty."""
        u_exp = _expanded(expanded_uncertainty)
        w = self.guard_band(u_exp)
        if self.kind is RuleKind.GUARDED_REJECTION:
            return tolerance.widened(w)
        if self.kind is RuleKind.SIMPLE_ACCEPTANCE:
            return tolerance
        lower = None if tolerance.lower is None else tolerance.lower + w
        upper = None if tolerance.upper is None else tolerance.upper - w
        if lower is not None and upper is not None and lower > upper:
            return None
        return Tolerance(lower, upper)


@dataclass(frozen=True)
class Decision:
    """Outcome of a decision rule at one test point."""

    statement: Statement
    measured: Decimal
    expanded_uncertainty: Decimal
    tolerance: Tolerance
    rule: DecisionRule
    guard_band: Decimal
    acceptance_zone: Tolerance | None

    @property
    def accepted(self) -> bool:
        """True for pass and conditional pass."""
        return self.statement in (Statement.PASS, Statement.CONDITIONAL_PASS)


def _expanded(value: Number) -> Decimal:
    u_exp = to_decimal(value, "expanded_uncertainty")
    if u_exp < 0:
        raise ConformityError("expanded_uncertainty", f"must not be negative, got {u_exp}")
    return u_exp


def decide(
    measured: Number,
    expanded_uncertainty: Number,
    tolerance: Tolerance,
    rule: DecisionRule | None = None,
) -> Decision:
    """Apply ``rule`` (default simple acceptance) to a measured value with expanded uncertainty U.

    All arithmetic is decimal, so a value equal to a limit (e.g. 7.9 against 8 - 0.1) is exactly
    on it and is accepted by the closed-zone convention.
    """
    rule = rule if rule is not None else DecisionRule.simple_acceptance()
    x = to_decimal(measured, "measured")
    u_exp = _expanded(expanded_uncertainty)
    w = rule.guard_band(u_exp)
    zone = rule.acceptance_zone(tolerance, u_exp)
    passed = zone is not None and zone.contains(x)
    if rule.kind is RuleKind.NON_BINARY:
        if passed:
            statement = Statement.PASS
        elif tolerance.contains(x):
            statement = Statement.CONDITIONAL_PASS
        elif tolerance.widened(w).contains(x):
            statement = Statement.CONDITIONAL_FAIL
        else:
            statement = Statement.FAIL
    else:
        statement = Statement.PASS if passed else Statement.FAIL
    return Decision(statement, x, u_exp, tolerance, rule, w, zone)
