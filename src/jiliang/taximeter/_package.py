"""Tariff packages signed by the regulator (C2SP signed note over canonical JSON).

The signed text is the canonical JSON of the package as a jiliang.trust LogRecord
(record_type "taximeter.tariff_package", schema 1) followed by one newline, so the very
same bytes are what the regulator signs, what the meter verifies and what the
transparency log commits to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from jiliang.taximeter._errors import PackageError, ParameterError
from jiliang.taximeter._params import TariffParameters
from jiliang.trust import (
    KeyRing,
    LogRecord,
    RecordError,
    SignerKey,
    VerifierKey,
    sign_note,
)

__all__ = [
    "PACKAGE_RECORD_TYPE",
    "PACKAGE_SCHEMA_VERSION",
    "Scope",
    "TariffPackage",
    "format_time",
    "open_package",
    "parse_time",
    "sign_package",
]

PACKAGE_RECORD_TYPE = "taximeter.tariff_package"
PACKAGE_SCHEMA_VERSION = 1
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def format_time(moment: datetime) -> str:
    """UTC time as 'YYYY-MM-DDTHH:MM:SSZ' (whole seconds): one spelling, one hash."""
    if moment.tzinfo is None:
        raise PackageError("time must be timezone-aware (UTC)")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any, where: str) -> datetime:
    """Parse 'YYYY-MM-DDTHH:MM:SSZ'."""
    if not isinstance(text, str) or not _TIME_RE.match(text):
        raise PackageError(f"{where}: {text!r} must be UTC time 'YYYY-MM-DDTHH:MM:SSZ'")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise PackageError(f"{where}: {text!r}: {exc}") from None


@dataclass(frozen=True)
class Scope:
    """Who a package is for: one meter (by serial) or a whole fleet (by fleet id)."""

    kind: Literal["meter", "fleet"]
    ident: str

    def __post_init__(self) -> None:
        if self.kind not in ("meter", "fleet"):
            raise PackageError(f"scope.kind {self.kind!r} must be 'meter' or 'fleet'")
        if not isinstance(self.ident, str) or not _ID_RE.match(self.ident):
            raise PackageError(f"scope.id {self.ident!r} must be 1-64 letters, digits, ._/-")

    def addresses(self, serial: str, fleet: str | None) -> bool:
        """True if a meter with this serial (in this fleet) is addressed."""
        if self.kind == "meter":
            return self.ident == serial
        return fleet is not None and self.ident == fleet


@dataclass(frozen=True)
class TariffPackage:
    """A tariff for a scope, with a strictly increasing version and an effective time."""

    scope: Scope
    version: int
    effective_at: datetime
    parameters: TariffParameters

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise PackageError(f"version {self.version!r} must be an integer")
        if not 1 <= self.version <= 2**53 - 1:
            raise PackageError(f"version {self.version} must be between 1 and 2**53 - 1")
        if self.effective_at.tzinfo is None:
            raise PackageError("effective_at must be timezone-aware (UTC)")
        moment = self.effective_at.astimezone(UTC).replace(microsecond=0)
        object.__setattr__(self, "effective_at", moment)

    def to_record(self) -> LogRecord:
        """The package as a transparency-log record."""
        return LogRecord(
            PACKAGE_RECORD_TYPE,
            PACKAGE_SCHEMA_VERSION,
            {
                "scope": {"kind": self.scope.kind, "id": self.scope.ident},
                "version": self.version,
                "effective_at": format_time(self.effective_at),
                "parameters": self.parameters.to_json_value(),
            },
        )

    def note_text(self) -> str:
        """The signed text: canonical record JSON plus a newline."""
        return self.to_record().canonical_bytes().decode("utf-8") + "\n"

    @classmethod
    def from_record(cls, record: LogRecord) -> TariffPackage:
        """Rebuild from a record, naming the field that is wrong."""
        if record.record_type != PACKAGE_RECORD_TYPE:
            raise PackageError(f"record_type {record.record_type!r} is not {PACKAGE_RECORD_TYPE}")
        if record.schema_version != PACKAGE_SCHEMA_VERSION:
            raise PackageError(f"schema_version {record.schema_version} is not supported")
        body = record.body
        expected = {"scope", "version", "effective_at", "parameters"}
        if set(body) != expected:
            raise PackageError(f"package fields must be exactly {sorted(expected)}")
        scope = body["scope"]
        if not isinstance(scope, Mapping) or set(scope) != {"kind", "id"}:
            raise PackageError("scope must be an object with 'kind' and 'id'")
        try:
            params = TariffParameters.from_json_value(body["parameters"])
        except ParameterError as exc:
            raise PackageError(str(exc)) from None
        return cls(
            Scope(scope["kind"], scope["id"]),
            body["version"],
            parse_time(body["effective_at"], "effective_at"),
            params,
        )


def sign_package(package: TariffPackage, regulator: SignerKey) -> str:
    """The regulator signs a package; the result is a C2SP signed note."""
    return sign_note(package.note_text(), [regulator])


def open_package(signed: str | bytes, trusted: KeyRing) -> tuple[TariffPackage, VerifierKey]:
    """Verify the regulator's signature, then parse. Raises NoteError/NoteVerificationError
    (authenticity) or PackageError (content)."""
    verified = trusted.verify(signed, role="regulator")
    text = verified.text
    try:
        record = LogRecord.from_json(text[:-1])
    except RecordError as exc:
        raise PackageError(f"package JSON: {exc}") from None
    if record.canonical_bytes().decode("utf-8") + "\n" != text:
        raise PackageError("package text is not in canonical form")
    return TariffPackage.from_record(record), verified.signers[0]
