"""Typed errors of the procedures package."""

from __future__ import annotations

from decimal import Decimal

# Bounds on a number in a procedure file or a request against it: far beyond any measured
# value (10^-30 .. 10^30 in any unit), and small enough that products of two such numbers stay
# inside decimal's default exponent range instead of raising decimal.Overflow.
MAX_DIGITS = 40
MAX_EXPONENT = 30


class ProcedureError(ValueError):
    """A procedure file or a request against it is wrong: where (file, key path) and why."""

    def __init__(self, origin: str, path: str, reason: str, line: int | None = None) -> None:
        where = origin if line is None else f"{origin}, line {line}"
        where = f"{where}: {path}" if path else where
        super().__init__(f"{where}: {reason}")
        self.origin = origin
        self.path = path
        self.reason = reason
        self.line = line


def out_of_bounds(number: Decimal) -> str:
    """Why a number is refused ("" when it is within MAX_DIGITS and 10^±MAX_EXPONENT)."""
    if len(number.as_tuple().digits) > MAX_DIGITS:
        return f"has more than {MAX_DIGITS} digits"
    if number and abs(number.adjusted()) > MAX_EXPONENT:
        return f"{number:.3e} is outside 1e-{MAX_EXPONENT} .. 1e{MAX_EXPONENT}"
    return ""
