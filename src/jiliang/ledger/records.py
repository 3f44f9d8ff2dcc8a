"""What the platform logs: canonical records built from registry rows.

Each body holds strings, integers and null only (dates ISO 8601, numbers as decimal strings),
so an outsider recomputes the leaf hash from the record alone (docs/ledger.md).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from jiliang.dbutil import any_of_filter
from jiliang.ledger.services import Item, append
from jiliang.trust import LogRecord

CERTIFICATE_ISSUED = "certificate.issued"
CERTIFICATE_STANDARDS_CHANGED = "certificate.standards_changed"


_CERTIFICATE_COLUMNS = (
    "pk",
    "number",
    "kind",
    "issuer_id",
    "external_issuer",
    "cmc_reference",
    "instrument__serial_number",
    "instrument__name",
    "instrument__owner_id",
    "instrument__category_id",
    "regulation",
    "calibration_date",
    "issued_on",
    "valid_until",
    "conclusion",
    "accuracy_class",
    "verifier_id",
    "checker_id",
    "approver_id",
    "amends_id",
    "amendment",
    "external_document_sha256",
)


_DATE_COLUMNS = ("calibration_date", "issued_on", "valid_until")


def _id_in(model: Any, column: str, ids: Sequence[int]) -> RawSQL:
    return any_of_filter(model, column, ids, "bigint", model.objects.db)


def _lookup(model: Any, ids: set[Any], *columns: str) -> dict[Any, Any]:
    """{id: value} (or {id: (values…)}) for the rows of `model` whose id is in `ids`."""
    ids.discard(None)
    if not ids:
        return {}
    rows = model.objects.filter(_id_in(model, "id", sorted(ids))).values_list("pk", *columns)
    if len(columns) == 1:
        return dict(rows)
    return {row[0]: row[1:] for row in rows}


def _raw_rows(queryset: Any) -> list[tuple[Any, ...]]:
    """The rows of a values_list queryset as the driver returns them (no per-row converters
    or iterator in Python: columns here are ids, text, and dates handled by the caller)."""
    connection = connections[queryset.db]
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


class _Days(dict[Any, str | None]):
    """ISO date text from a date (PostgreSQL) or the stored text (SQLite), once per value:
    `days[value]` is a plain dict hit for every value already seen."""

    def __missing__(self, value: Any) -> str | None:
        if value is None:
            text = None
        else:
            date = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
            text = date.isoformat()
        self[value] = text
        return text


def certificate_items(pks: Sequence[int]) -> list[Item]:
    """certificate.issued items for many certificates (certificate_bodies, wrapped)."""
    return [
        Item(
            LogRecord(CERTIFICATE_ISSUED, 1, body),
            "certificate",
            number,
            f"{CERTIFICATE_ISSUED}:{number}",
            owner_id,
            issuer_id,
        )
        for number, body, owner_id, issuer_id in certificate_bodies(pks)
    ]


def certificate_bodies(pks: Sequence[int]) -> list[tuple[str, dict[str, Any], int, int | None]]:
    """(number, certificate.issued body, owner id, issuer id) for many certificates from a
    few flat queries. The one builder of that body: the logger wraps it into records, the
    audit (ledger.reconcile) compares it with what was logged.

    Why: at 10^5 imported certificates, model instances with select/prefetch cost more than
    the import itself, and so do a nine-table join and Django's per-row converters. The ids go
    in as one parameter (dbutil.any_of_filter); the certificate query joins only the instrument,
    and the few institutions, people, catalogue items and amended certificates they name are
    read once into dicts. The body layout is documented in docs/ledger.md; a test rebuilds it
    from the ORM objects of every demo certificate and compares.
    """
    from jiliang.registry.models import CatalogueItem, Certificate, Institution, Person

    if not pks:
        return []
    ids = list(pks)
    through_s = Certificate.standards_used.through
    through_m = Certificate.materials_used.through
    standards: dict[int, list[str]] = {}
    for cid, code in _raw_rows(
        through_s.objects.filter(_id_in(through_s, "certificate_id", ids)).values_list(
            "certificate_id", "measurementstandard__code"
        )
    ):
        standards.setdefault(cid, []).append(code)
    materials: dict[int, list[str]] = {}
    for cid, gbw in _raw_rows(
        through_m.objects.filter(_id_in(through_m, "certificate_id", ids)).values_list(
            "certificate_id", "referencematerial__gbw_number"
        )
    ):
        materials.setdefault(cid, []).append(gbw)
    connection = connections[Certificate.objects.db]
    certificates = Certificate.objects.filter(_id_in(Certificate, "id", ids)).order_by("pk")
    columns = list(_CERTIFICATE_COLUMNS)
    if connection.vendor == "sqlite":  # the stored ISO text, not a date parsed per value
        dates = {f"{name}_text": Cast(name, TextField()) for name in _DATE_COLUMNS}
        certificates = certificates.annotate(**dates)
        columns = [f"{c}_text" if c in _DATE_COLUMNS else c for c in columns]
    rows = _raw_rows(certificates.values_list(*columns))  # dates converted once per value
    institutions = _lookup(
        Institution, {r[3] for r in rows} | {r[8] for r in rows}, "uscc", "name_zh"
    )
    people = _lookup(
        Person, {p for r in rows for p in (r[16], r[17], r[18])}, "registration_number"
    )
    categories = _lookup(CatalogueItem, {r[9] for r in rows}, "number")
    amended = _lookup(Certificate, {r[19] for r in rows}, "number")
    days = _Days()
    bodies = []
    for row in rows:
        (pk, number, kind, issuer_id, external, cmc, serial, name, owner_id, category_id,
         regulation, calibrated, issued, valid, conclusion, accuracy, verifier_id, checker_id,
         approver_id, amends_id, amendment, sha) = row  # fmt: skip
        issuer = institutions[issuer_id] if issuer_id is not None else None
        body = {
            "number": number,
            "kind": kind,
            "issuer": issuer[0] if issuer else None,
            "issuer_name": issuer[1] if issuer else external,
            "cmc_reference": cmc,
            "instrument": {
                "serial_number": serial,
                "name": name,
                "owner": institutions[owner_id][0],
                "catalogue_item": categories.get(category_id),
            },
            "regulation": regulation,
            "calibration_date": days[calibrated],
            "issued_on": days[issued],
            "valid_until": days[valid],
            "conclusion": conclusion,
            "accuracy_class": accuracy,
            "verifier": people.get(verifier_id),
            "checker": people.get(checker_id),
            "approver": people.get(approver_id),
            "standards_used": sorted(standards[pk]) if pk in standards else [],
            "materials_used": sorted(materials[pk]) if pk in materials else [],
            "amends": amended.get(amends_id),
            "amendment": amendment,
            "external_document_sha256": sha,
        }
        bodies.append((number, body, owner_id, issuer_id))
    return bodies


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch builds its objects.

    Why: 2×10^4 records make some 10^6 container objects that all stay alive until the append
    commits; the collector's full passes over them cost a fifth of the batch and can free
    nothing (no cycles are made). Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def log_certificates(pks: Iterable[int]) -> list[int | None]:
    """Append certificate.issued for each certificate (once: deduplicated by number)."""
    ids = list(pks)
    with _gc_paused():
        items = []
        for start in range(0, len(ids), 50_000):
            items += certificate_items(ids[start : start + 50_000])
        return append(items)


def log_standards_changed(pk: int) -> None:
    """A logged certificate's standards were changed afterwards: log the new list."""
    from jiliang.registry.models import Certificate

    cert = Certificate.objects.select_related("instrument").filter(pk=pk).first()
    if cert is None:
        return
    body = {
        "number": cert.number,
        "standards_used": sorted(cert.standards_used.values_list("code", flat=True)),
    }
    append(
        [
            Item(
                LogRecord(CERTIFICATE_STANDARDS_CHANGED, 1, body),
                "certificate",
                cert.number,
                None,
                cert.instrument.owner_id,
                cert.issuer_id,
            )
        ]
    )


def sync_certificates() -> int:
    """Catch-up: log every certificate that is not yet in the log; return how many."""
    from jiliang.ledger.models import LogEntry
    from jiliang.registry.models import Certificate

    logged = LogEntry.objects.filter(record_type=CERTIFICATE_ISSUED).values("subject")
    missing = list(Certificate.objects.exclude(number__in=logged).values_list("pk", flat=True))
    return sum(1 for i in log_certificates(missing) if i is not None)


def standard_item(record_type: str, standard: Any, body: dict[str, Any]) -> Item:
    """A status event of a measurement standard."""
    full = {"standard": standard.code, "institution": standard.institution.uscc, **body}
    return Item(
        LogRecord(record_type, 1, full),
        "standard",
        standard.code,
        None,
        standard.institution_id,
        None,
    )
