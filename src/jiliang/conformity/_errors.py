"""Typed errors of the conformity package."""

from __future__ import annotations


class ConformityError(ValueError):
    """Bad input to a decision rule or a risk computation; ``field`` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
