"""Decision rules for statements of conformity (ISO/IEC 17025:2017 7.8.6, ILAC-G8:2019, JCGM 106,
JJF 1094-2002).

Boundary convention (documented in docs/conformity.md): every zone is closed on the side of the
tolerance interval, so a measured value *equal* to an acceptance limit is accepted. This is the
same convention as the legal-metrology rule |E| <= MPE (JJF 1094-2002 5.3, OIML R 76 / JJG 539
"shall not exceed"), and it makes the binary rules nest: a guarded-acceptance pass is always a
simple-acceptance pass, which is always a guarded-rejection pass. The one exception is the
JJF 1094 fail limit, which the specification itself closes on the fail side
(|E| >= MPEV + U95 fails).

Simple acceptance ignores the uncertainty, which JJF 1094-2002 5.3 allows only when
U95 <= MPEV/3; ``decide`` refuses it otherwise (``ConformityError``), so a certificate cannot
say "pass" at a point where U exceeds the MPE.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from jiliang.conformity._errors import ConformityError
from jiliang.conformity._numbers import Number, to_decimal


class RuleKind(StrEnum):
    """The decision rules of ILAC-G8:2019 clause 4 and of JJF 1094-2002 5.3."""

    SIMPLE_ACCEPTANCE = "simple_acceptance"
    GUARDED_ACCEPTANCE = "guarded_acceptance"
    GUARDED_REJECTION = "guarded_rejection"
    NON_BINARY = "non_binary"
    JJF_1094 = "jjf1094"


# Where each rule is defined: what a certificate cites as its decision rule.
SOURCES = {
    RuleKind.SIMPLE_ACCEPTANCE: "ILAC-G8:2019 4.2.1; only when U95 <= MPEV/3 (JJF 1094-2002 5.3)",
    RuleKind.GUARDED_ACCEPTANCE: "ILAC-G8:2019 4.2.2; JCGM 106:2012 8.3",
    RuleKind.GUARDED_REJECTION: "JCGM 106:2012 8.3",
    RuleKind.NON_BINARY: "ILAC-G8:2019 4.2.3, Fig. 5",
    RuleKind.JJF_1094: "JJF 1094-2002 5.3 (测量仪器特性评定: 示值误差的符合性评定)",
}


class Statement(StrEnum):
    """Statement of conformity; values are the DCC 3.3.0 ``conformity`` enumeration, except
    ``UNDECIDED`` (JJF 1094's 待定), which DCC lacks: see ``Decision.dcc_statement``."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    CONDITIONAL_PASS = "conditionalPass"  # noqa: S105
    CONDITIONAL_FAIL = "conditionalFail"
    FAIL = "fail"
    UNDECIDED = "undecided"


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

    @classmethod
    def jjf1094(cls) -> DecisionRule:
        """JJF 1094-2002 5.3, the default of verification (检定): U95 <= MPEV/3 → |E| <= MPEV
        passes; otherwise pass when |E| <= MPEV - U95, fail when |E| >= MPEV + U95, else
        undecided (待定). The guard band is U95 itself (r = 1) when the ratio is not met."""
        return cls(RuleKind.JJF_1094, Decimal(1))

    @property
    def source(self) -> str:
        """The document and clause that define the rule."""
        return SOURCES[self.kind]

    def guard_band(
        self, expanded_uncertainty: Decimal, tolerance: Tolerance | None = None
    ) -> Decimal:
        """w = r·U; zero for simple acceptance, and for JJF 1094 when ``tolerance`` shows that
        U95 <= MPEV/3."""
        if self.kind is RuleKind.SIMPLE_ACCEPTANCE:
            return Decimal(0)
        if (
            self.kind is RuleKind.JJF_1094
            and tolerance is not None
            and ratio_rule_met(tolerance, expanded_uncertainty)
        ):
            return Decimal(0)
        return self.guard_band_factor * expanded_uncertainty

    def acceptance_zone(
        self, tolerance: Tolerance, expanded_uncertainty: Number
    ) -> Tolerance | None:
        """The interval of measured values that gives a pass; ``None`` when it is empty."""
        u_exp = _expanded(expanded_uncertainty)
        if self.kind is RuleKind.JJF_1094:
            _mpev(tolerance, "JJF 1094-2002")
        w = self.guard_band(u_exp, tolerance)
        if self.kind is RuleKind.GUARDED_REJECTION:
            return tolerance.widened(w)
        if self.kind is RuleKind.SIMPLE_ACCEPTANCE or w == 0:
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
        """True for pass and conditional pass (undecided is not accepted)."""
        return self.statement in (Statement.PASS, Statement.CONDITIONAL_PASS)

    @property
    def dcc_statement(self) -> str:
        """The DCC 3.3.0 ``conformity`` value: 待定 inside the tolerance is ``conditionalPass``,
        outside it ``conditionalFail`` (the ILAC-G8 non-binary names of the same zones)."""
        if self.statement is Statement.UNDECIDED:
            inside = self.tolerance.contains(self.measured)
            return (Statement.CONDITIONAL_PASS if inside else Statement.CONDITIONAL_FAIL).value
        return self.statement.value


def _expanded(value: Number) -> Decimal:
    u_exp = to_decimal(value, "expanded_uncertainty")
    if u_exp < 0:
        raise ConformityError("expanded_uncertainty", f"must not be negative, got {u_exp}")
    return u_exp


def _mpev(tolerance: Tolerance, rule: str) -> Decimal:
    """MPEV as half the tolerance width (the MPE of a symmetric ±MPE tolerance)."""
    if tolerance.lower is None or tolerance.upper is None:
        raise ConformityError(
            "tolerance", f"{rule} needs both limits (±MPEV) to compare U95 with MPEV/3"
        )
    return (tolerance.upper - tolerance.lower) / 2


def ratio_rule_met(tolerance: Tolerance, expanded_uncertainty: Number) -> bool:
    """U95 <= MPEV/3 (JJF 1094-2002 5.3): the uncertainty may be ignored. MPEV is half the
    tolerance width, so asymmetric limits use the mean of the two; exact decimals, so
    U = MPEV/3 exactly meets the rule (tested as 3·U <= MPEV, no rounding of a third)."""
    return 3 * _expanded(expanded_uncertainty) <= _mpev(tolerance, "the ratio rule")


def decide(
    measured: Number,
    expanded_uncertainty: Number,
    tolerance: Tolerance,
    rule: DecisionRule | None = None,
) -> Decision:
    """Apply ``rule`` (default simple acceptance) to a measured value with expanded uncertainty U.

    Simple acceptance is refused (``ConformityError``) unless U95 <= MPEV/3 (JJF 1094-2002 5.3).

    All arithmetic is decimal, so a value equal to a limit (e.g. 7.9 against 8 - 0.1) is exactly
    on it and is accepted by the closed-zone convention.
    """
    rule = rule if rule is not None else DecisionRule.simple_acceptance()
    x = to_decimal(measured, "measured")
    u_exp = _expanded(expanded_uncertainty)
    if rule.kind is RuleKind.SIMPLE_ACCEPTANCE and not ratio_rule_met(tolerance, u_exp):
        mpev = _mpev(tolerance, "simple acceptance")
        raise ConformityError(
            "expanded_uncertainty",
            f"simple acceptance needs U95 <= MPEV/3 (JJF 1094-2002 5.3): U95 = {u_exp} > "
            f"{mpev}/3; use the JJF 1094 rule or a guarded rule",
        )
    w = rule.guard_band(u_exp, tolerance)
    zone = rule.acceptance_zone(tolerance, u_exp)
    passed = zone is not None and zone.contains(x)
    if rule.kind is RuleKind.JJF_1094:
        if passed:
            statement = Statement.PASS
        elif w == 0 or not tolerance.widened(w).contains(x) or _on_fail_limit(x, tolerance, w):
            statement = Statement.FAIL
        else:
            statement = Statement.UNDECIDED
    elif rule.kind is RuleKind.NON_BINARY:
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


def _on_fail_limit(x: Decimal, tolerance: Tolerance, w: Decimal) -> bool:
    """JJF 1094 fails |E| >= MPEV + U95: a value exactly on TL - U or TU + U fails."""
    assert tolerance.lower is not None and tolerance.upper is not None  # checked by _mpev
    return x == tolerance.lower - w or x == tolerance.upper + w
