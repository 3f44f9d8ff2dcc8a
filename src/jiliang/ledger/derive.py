"""What a log entry's body says about it: the registry object it records and the lookup
columns (subject, dedupe key, owner, issuer) that belong beside it.

Why: the columns stored beside a record are not covered by its leaf hash. Someone who edits
`owner_id` or `subject` in the database must neither widen who may read a record nor go
unnoticed, so the read paths decide from the body (jiliang.ledger.visibility) and the audit
derives the columns again from the body and compares (jiliang.ledger.audit).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

CERTIFICATE_ISSUED = "certificate.issued"
CERTIFICATE_STANDARDS_CHANGED = "certificate.standards_changed"
TARIFF_PACKAGE = "taximeter.tariff_package"
SEAL_TYPES = ("taximeter.seal_event", "taximeter.seal_broken")

COLUMNS = ("subject_kind", "subject", "dedupe_key", "owner_id", "issuer_id")


@dataclass(frozen=True)
class ObjectRef:
    """The registry object an entry records: kind and natural key (number, code, serial)."""

    kind: str  # certificate, standard, taximeter, tariff_package
    key: str


@dataclass(frozen=True)
class Columns:
    """The lookup columns of an entry, as its body (and the registry's keys) say."""

    subject_kind: str
    subject: str
    dedupe_key: str | None
    owner_id: int | None
    issuer_id: int | None
    # Columns the body cannot decide: a seal event names its meter, not the meter's owner at
    # the time, so its owner_id is a snapshot that a legitimate change of owner makes stale.
    # Readers never trust it (jiliang.ledger.visibility asks the registry about the meter).
    unchecked: frozenset[str] = frozenset()

    def differences(self, stored: Sequence[Any]) -> list[tuple[str, Any, Any]]:
        """(column, stored value, derived value) for each column that differs."""
        derived = (self.subject_kind, self.subject, self.dedupe_key, self.owner_id, self.issuer_id)
        return [
            (name, s, d)
            for name, s, d in zip(COLUMNS, stored, derived, strict=True)
            if name not in self.unchecked and _blank_is_none(s) != _blank_is_none(d)
        ]


def _blank_is_none(value: Any) -> Any:
    """'' and NULL are the same empty column (subject_kind is '' where dedupe_key is NULL)."""
    return None if value == "" else value


def body_of(record: str) -> dict[str, Any] | None:
    """The body of a stored record (None when the text is not a record at all)."""
    try:
        doc = json.loads(record)
    except ValueError:
        return None
    body = doc.get("body") if isinstance(doc, dict) else None
    return body if isinstance(body, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def object_ref(record_type: str, body: dict[str, Any] | None, leaf_index: int) -> ObjectRef | None:
    """The registry object an entry records, from its body; None for types with no object."""
    if body is None:
        return None
    if record_type in (CERTIFICATE_ISSUED, CERTIFICATE_STANDARDS_CHANGED):
        number = _text(body.get("number"))
        return ObjectRef("certificate", number) if number else None
    if record_type.startswith("standard."):
        code = _text(body.get("standard"))
        return ObjectRef("standard", code) if code else None
    if record_type in SEAL_TYPES:
        serial = _text(body.get("meter"))
        return ObjectRef("taximeter", serial) if serial else None
    if record_type == TARIFF_PACKAGE:  # the registry row names its entry (log_index)
        return ObjectRef("tariff_package", str(leaf_index))
    return None


class ColumnDeriver:
    """Derives an entry's lookup columns from its body, reading the registry keys it needs
    (institution by USCC, tariff package by log index, meter by serial) once per batch."""

    def __init__(self, using: str = "default") -> None:
        self._using = using
        self._institutions: dict[str, int] | None = None
        self._issued: dict[str, tuple[int | None, int | None]] = {}

    def institution_id(self, uscc: Any) -> int | None:
        """The institution's primary key for a USCC named in a body (None: not registered)."""
        if self._institutions is None:
            from jiliang.registry.models import Institution

            rows = Institution.objects.using(self._using).values_list("uscc", "pk")
            self._institutions = dict(rows)
        return self._institutions.get(uscc) if isinstance(uscc, str) else None

    def _certificate_access(self, numbers: Iterable[str]) -> None:
        """owner/issuer of certificates from their certificate.issued bodies (for the
        standards_changed entries, whose body names only the number)."""
        from jiliang.ledger.models import LogEntry

        wanted = [n for n in set(numbers) if n not in self._issued]
        if not wanted:
            return
        rows = (
            LogEntry.objects.using(self._using)
            .filter(record_type=CERTIFICATE_ISSUED, subject__in=wanted)
            .values_list("record", flat=True)
        )
        for record in rows:
            body = body_of(record) or {}
            number = body.get("number")
            if number in wanted:  # the subject column is a hint; the body decides
                self._issued[number] = self.certificate_columns(body)[:2]

    def certificate_columns(self, body: dict[str, Any]) -> tuple[int | None, int | None]:
        """(owner_id, issuer_id) that a certificate.issued body names."""
        instrument = body.get("instrument")
        owner = instrument.get("owner") if isinstance(instrument, dict) else None
        return self.institution_id(owner), self.institution_id(body.get("issuer"))

    def derive(self, rows: Sequence[tuple[int, str, dict[str, Any] | None]]) -> dict[int, Columns]:
        """{leaf index: derived columns} for (index, record type, body) rows of known types."""
        from jiliang.taximeters.models import TariffPackage, TaxiMeter

        changed = [
            b.get("number")
            for _, t, b in rows
            if t == CERTIFICATE_STANDARDS_CHANGED and b is not None
        ]
        self._certificate_access(n for n in changed if isinstance(n, str))
        tariff_ids = [i for i, t, _ in rows if t == TARIFF_PACKAGE]
        packages = {
            log_index: (regulator_id, uscc, version)
            for log_index, regulator_id, uscc, version in TariffPackage.objects.using(self._using)
            .filter(log_index__in=tariff_ids)
            .values_list("log_index", "regulator_id", "regulator__uscc", "version")
        }
        serials = [b.get("meter") for _, t, b in rows if t in SEAL_TYPES and b is not None]
        meters = dict(
            TaxiMeter.objects.using(self._using)
            .filter(meter_serial__in=[s for s in serials if isinstance(s, str)])
            .values_list("meter_serial", "instrument__owner_id")
        )
        out: dict[int, Columns] = {}
        for index, record_type, body in rows:
            if body is None:
                continue
            ref = object_ref(record_type, body, index)
            key = ref.key if ref else ""
            if record_type == CERTIFICATE_ISSUED:
                owner, issuer = self.certificate_columns(body)
                out[index] = Columns(
                    "certificate", key, f"{CERTIFICATE_ISSUED}:{key}", owner, issuer
                )
            elif record_type == CERTIFICATE_STANDARDS_CHANGED:
                owner, issuer = self._issued.get(key, (None, None))
                out[index] = Columns("certificate", key, None, owner, issuer)
            elif record_type.startswith("standard."):
                owner = self.institution_id(body.get("institution"))
                out[index] = Columns("standard", key, None, owner, None)
            elif record_type in SEAL_TYPES:
                out[index] = Columns(
                    "taximeter", key, None, meters.get(key), None, frozenset({"owner_id"})
                )
            elif record_type == TARIFF_PACKAGE and index in packages:
                regulator, uscc, row_version = packages[index]
                version = body.get("version", row_version)
                out[index] = Columns(
                    "tariff_package",
                    f"{uscc}/v{version}",
                    f"{TARIFF_PACKAGE}:{uscc}:{version}",
                    regulator,
                    regulator,
                )
        return out
