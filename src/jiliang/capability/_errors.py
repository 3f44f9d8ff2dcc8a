"""Errors of the capability core: each names the place in the file and the reason."""

from __future__ import annotations

__all__ = ["CapabilityError"]


class CapabilityError(ValueError):
    """A CMC or demand that cannot be read or evaluated (nothing has been changed)."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")
