"""Typed errors of jiliang.supervision: bad input says which field and why."""

from __future__ import annotations


class SupervisionInputError(ValueError):
    """Input the supervision core cannot use; ``field`` names where, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class SupervisionDataError(RuntimeError):
    """A packaged data file of jiliang.supervision is missing a key or has a bad value."""
