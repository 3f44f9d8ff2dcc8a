"""The verification check |indication - reference| <= MPE of legal metrology."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jiliang.conformity._errors import ConformityError
from jiliang.conformity._numbers import Number, to_decimal


@dataclass(frozen=True)
class MpeCheck:
    """Error of indication against a maximum permissible error."""

    indication: Decimal
    reference: Decimal
    error: Decimal
    mpe: Decimal
    passed: bool


def check_mpe(indication: Number, reference: Number, mpe: Number) -> MpeCheck:
    """E = I - reference; pass when |E| <= MPE (equality passes, exact decimal arithmetic)."""
    i = to_decimal(indication, "indication")
    ref = to_decimal(reference, "reference")
    limit = to_decimal(mpe, "mpe")
    if limit <= 0:
        raise ConformityError("mpe", f"must be positive, got {limit}")
    error = i - ref
    return MpeCheck(i, ref, error, limit, abs(error) <= limit)
