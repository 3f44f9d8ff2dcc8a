"""Compare what the log holds with what the registry holds now (a Certificate Transparency
monitor's check: a log is only as good as the check that the served data matches it).

For every logged certificate, the body the logger would build from today's registry row
(records.certificate_bodies, the logger's own builder: no second serializer) must equal the
logged body, with the standards of its latest `certificate.standards_changed`. For examination
certificates and measurement standards, the state their logged events lead to must be the
registry's. Each difference is named: object, field, logged value, current value; an object
deleted from the registry is named too. Certificates are compared in the batches the audit
reads; only rows that differ are compared field by field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from jiliang.ledger.derive import (
    CERTIFICATE_ISSUED,
    CERTIFICATE_STANDARDS_CHANGED,
    TARIFF_PACKAGE,
    ColumnDeriver,
    Columns,
    body_of,
)

Row = tuple[Any, ...]
"""(leaf_index, record, record_type, subject_kind, subject, dedupe_key, owner_id, issuer_id)"""


@dataclass(frozen=True)
class Difference:
    """One way the registry (or an entry's columns) differs from the log."""

    kind: str  # registry (the object differs or is gone), access (an entry's columns)
    index: int
    object: str
    field: str
    logged: str | None
    current: str | None

    @property
    def detail(self) -> str:
        if self.kind == "access":
            return (
                f"entry {self.index} ({self.object}): column {self.field} is "
                f"{self.current!r} but its record says {self.logged!r}"
            )
        if self.field == "":
            return f"{self.object} (entry {self.index}) is in the log but not in the registry"
        return (
            f"{self.object} (entry {self.index}): {self.field} logged {self.logged!r}, "
            f"registry now {self.current!r}"
        )


def _show(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_differences(logged: Any, current: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted field, logged, current) for every leaf field that differs."""
    if isinstance(logged, dict) and isinstance(current, dict):
        out: list[tuple[str, Any, Any]] = []
        for key in sorted(set(logged) | set(current)):
            out += field_differences(logged.get(key), current.get(key), f"{prefix}{key}.")
        return out
    if logged == current:
        return []
    return [(prefix.rstrip("."), logged, current)]


class RegistryComparison:
    """Fed the audit's batches of entries; collects the differences."""

    def __init__(self, using: str = "default", limit: int = 1000) -> None:
        from jiliang.ledger.models import LogEntry

        self.using = using
        self.limit = limit
        self.differences: list[Difference] = []
        self.deriver = ColumnDeriver(using)
        # The standards each certificate has now by the log: its latest standards_changed.
        self.standards: dict[str, list[Any]] = {}
        changed = (
            LogEntry.objects.using(using)
            .filter(record_type=CERTIFICATE_STANDARDS_CHANGED)
            .order_by("leaf_index")
            .values_list("record", flat=True)
        )
        for record in changed:
            body = body_of(record) or {}
            if isinstance(body.get("number"), str):
                self.standards[body["number"]] = body.get("standards_used")
        self._events: list[tuple[int, str, dict[str, Any]]] = []
        self._tariffs: dict[int, dict[str, Any]] = {}

    def _add(self, difference: Difference) -> None:
        if len(self.differences) < self.limit:
            self.differences.append(difference)

    # -- one batch ------------------------------------------------------------------------

    def feed(self, rows: Sequence[Row]) -> None:
        """Compare one batch of entries (as the audit read them) with the registry."""
        issued = [r for r in rows if r[2] == CERTIFICATE_ISSUED]
        others = [r for r in rows if r[2] != CERTIFICATE_ISSUED]
        slow = self._certificates_fast(issued)
        parsed = [(r, body_of(r[1])) for r in slow + others]
        derived = self.deriver.derive([(r[0], r[2], b) for r, b in parsed])
        for row, body in parsed:
            columns = derived.get(row[0])
            if columns is not None:
                self._check_columns(row, columns)
            if body is not None and row[2].startswith("standard."):
                self._events.append((row[0], row[2], body))
            elif body is not None and row[2] == TARIFF_PACKAGE:
                self._tariffs[row[0]] = body
        self._certificates_slow([(r, b) for r, b in parsed if r[2] == CERTIFICATE_ISSUED])

    def _current(self, numbers: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """{number: (body, owner id, issuer id)} as the logger would build them from today's
        registry row (records.certificate_bodies)."""
        from jiliang.dbutil import any_of_filter
        from jiliang.ledger.records import _raw_rows, certificate_bodies
        from jiliang.registry.models import Certificate

        if not numbers:
            return {}
        pks = [
            row[0]
            for row in _raw_rows(  # plain driver rows: no per-row iterator for 50,000 ids
                Certificate.objects.using(self.using)
                .filter(any_of_filter(Certificate, "number", list(numbers), "text", self.using))
                .values_list("pk")
            )
        ]
        return {number: rest for number, *rest in certificate_bodies(pks)}

    def _certificates_fast(self, rows: Sequence[Row]) -> list[Row]:
        """Rows whose logged body is exactly what the registry gives now, with the columns
        the logger stores, are done; the rest are returned for a field-by-field look.

        Why parsed values rather than canonical bytes: the stored bytes were already checked
        against the tree (leaf hashes); comparing the parsed body with the built one (JSON
        values of the subset: equal values, equal canonical form) skips serialising 10^6
        records again."""
        current = self._current([r[4] for r in rows if r[4]])
        slow = []
        for row in rows:
            number = row[4]
            now = current.get(number)
            if now is not None and number not in self.standards:
                body, owner_id, issuer_id = now
                try:
                    logged = orjson.loads(row[1])
                except orjson.JSONDecodeError:
                    logged = None
                if (
                    type(logged) is dict
                    and logged.get("body") == body
                    and logged.get("schema_version") == 1
                    and (row[3], row[5], row[6], row[7])
                    == ("certificate", f"{CERTIFICATE_ISSUED}:{number}", owner_id, issuer_id)
                ):
                    continue
            slow.append(row)
        return slow

    def _check_columns(self, row: Row, columns: Columns) -> None:
        name = f"{columns.subject_kind or row[2]} {columns.subject}".strip()
        for column, stored, derived in columns.differences(row[3:8]):
            self._add(Difference("access", row[0], name, column, _show(derived), _show(stored)))

    def _certificates_slow(self, rows: Sequence[tuple[Row, dict[str, Any] | None]]) -> None:
        numbers = [b["number"] for _, b in rows if b and isinstance(b.get("number"), str)]
        current = self._current(numbers)
        for row, body in rows:
            number = body.get("number") if body else None
            if not isinstance(number, str):  # not a record: the leaf check names it
                continue
            label = f"certificate {number}"
            now = current.get(number)
            if now is None:
                self._add(Difference("registry", row[0], label, "", None, None))
                continue
            logged = dict(body) if body else {}
            if number in self.standards:
                logged["standards_used"] = self.standards[number]
            for name, was, is_now in field_differences(logged, now[0]):
                self._add(Difference("registry", row[0], label, name, _show(was), _show(is_now)))

    # -- after the last batch -------------------------------------------------------------

    def finish(self) -> list[Difference]:
        """Compare the state the logged standard events lead to with the registry."""
        self._standards_state()
        self._tariff_packages()
        return self.differences

    def _tariff_packages(self) -> None:
        """Each logged tariff package against the registry row that names its entry, rebuilt
        by the taximeter core's own record builder (TariffPackage.to_record)."""
        from jiliang.taximeter import PackageError, Scope, TariffParameters
        from jiliang.taximeter import TariffPackage as CorePackage
        from jiliang.taximeters.models import TariffPackage
        from jiliang.trust import TrustError

        if not self._tariffs:
            return
        rows = {
            row[0]: row[1:]
            for row in TariffPackage.objects.using(self.using)
            .filter(log_index__in=list(self._tariffs))
            .values_list(
                "log_index", "scope_kind", "scope_id", "version", "effective_at", "parameters"
            )
        }
        for index, logged in sorted(self._tariffs.items()):
            label = f"tariff package (entry {index})"
            if index not in rows:
                self._add(Difference("registry", index, label, "", None, None))
                continue
            kind, ident, version, effective_at, parameters = rows[index]
            label = f"tariff package {ident} v{version}"
            try:
                package = CorePackage(
                    Scope(kind, ident),
                    version,
                    effective_at,
                    TariffParameters.from_json_value(parameters),
                )
                now = json.loads(package.to_record().canonical_bytes())["body"]
            except (PackageError, TrustError, ValueError) as exc:
                self._add(Difference("registry", index, label, "package", None, str(exc)))
                continue
            for name, was, is_now in field_differences(logged, now):
                self._add(Difference("registry", index, label, name, _show(was), _show(is_now)))

    def _standards_state(self) -> None:
        from jiliang.registry.models import ExaminationCertificate, MeasurementStandard

        exams: dict[str, tuple[int, dict[str, Any]]] = {}
        statuses: dict[str, tuple[int, Any]] = {}
        for index, record_type, body in self._events:
            number = body.get("certificate")
            if record_type.startswith("standard.examination_") and isinstance(number, str):
                state = dict(exams[number][1]) if number in exams else {}
                state.update(
                    standard=body.get("standard"),
                    institution=body.get("institution"),
                    issued_on=body.get("issued_on"),
                    valid_until=body.get("valid_until"),
                    revoked_on=body.get("revoked_on")
                    if record_type == "standard.examination_revoked"
                    else None,
                )
                exams[number] = (index, state)
            elif record_type in ("standard.found_nonconforming", "standard.status_changed"):
                code = body.get("standard")
                if isinstance(code, str):
                    statuses[code] = (index, body.get("new_status"))
        rows = ExaminationCertificate.objects.using(self.using).filter(number__in=list(exams))
        now = {
            number: {
                "standard": code,
                "institution": uscc,
                "issued_on": _iso(issued),
                "valid_until": _iso(valid),
                "revoked_on": _iso(revoked),
            }
            for number, code, uscc, issued, valid, revoked in rows.values_list(
                "number",
                "standard__code",
                "standard__institution__uscc",
                "issued_on",
                "valid_until",
                "revoked_on",
            )
        }
        for number, (index, state) in sorted(exams.items(), key=lambda kv: kv[1][0]):
            label = f"examination certificate {number}"
            if number not in now:
                self._add(Difference("registry", index, label, "", None, None))
                continue
            for name, was, is_now in field_differences(state, now[number]):
                self._add(Difference("registry", index, label, name, _show(was), _show(is_now)))
        current = dict(
            MeasurementStandard.objects.using(self.using)
            .filter(code__in=list(statuses))
            .values_list("code", "status")
        )
        for code, (index, status) in sorted(statuses.items(), key=lambda kv: kv[1][0]):
            label = f"standard {code}"
            if code not in current:
                self._add(Difference("registry", index, label, "", None, None))
            elif current[code] != status:
                self._add(
                    Difference("registry", index, label, "status", _show(status), current[code])
                )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
