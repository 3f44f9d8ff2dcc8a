"""Typed errors of the dcc package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem in a document: where (an XPath with dcc:/si: prefixes) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class DccError(ValueError):
    """Base of every error raised for a DCC document or a certificate to export."""


class DccSecurityError(DccError):
    """The XML uses a DTD, entities or external references; refused before any parsing."""


class DccParseError(DccError):
    """Not well-formed XML."""


class DccSchemaError(DccError):
    """The document is not valid against the DCC 3.3.0 schema (or our consistency rules)."""

    def __init__(self, source: str, issues: tuple[Issue, ...]) -> None:
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"{source}: {len(issues)} problem(s):\n{lines}")
        self.source = source
        self.issues = issues


class DccContentError(DccError):
    """Schema-valid, but a value we need cannot be used (e.g. a number out of range)."""
