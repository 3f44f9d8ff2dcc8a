"""Typed errors of the uncertainty engine: each says where (file, line, key) and why."""

from __future__ import annotations

__all__ = [
    "CorrelationError",
    "ExpressionError",
    "ModelFileError",
    "UncertaintyError",
    "UnitError",
]


class UncertaintyError(ValueError):
    """Base class: bad input to the uncertainty engine (nothing has been changed)."""


class ExpressionError(UncertaintyError):
    """A model expression is not in the safe whitelist or cannot be parsed."""

    def __init__(self, message: str, *, expression: str = "", column: int | None = None) -> None:
        self.expression = expression
        self.column = column
        where = f" (column {column + 1})" if column is not None else ""
        shown = expression if len(expression) <= 80 else expression[:77] + "..."
        super().__init__(f"{message}{where}" + (f" in {shown!r}" if expression else ""))


class CorrelationError(UncertaintyError):
    """Correlation coefficients are out of range or the matrix is not positive semi-definite."""


class UnitError(UncertaintyError):
    """Units are unknown or dimensionally inconsistent."""


class ModelFileError(UncertaintyError):
    """A model file (or dict) is malformed; names the source, line and key."""

    def __init__(
        self, reason: str, *, source: str = "<model>", line: int | None = None, key: str = ""
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.key = key
        loc = source if line is None else f"{source}:{line}"
        super().__init__(f"{loc}: {key}: {reason}" if key else f"{loc}: {reason}")
