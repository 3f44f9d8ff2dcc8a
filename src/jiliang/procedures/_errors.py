"""Typed errors of the procedures package."""

from __future__ import annotations


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
