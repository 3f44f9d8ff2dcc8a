"""What the platform logs: canonical records built from registry rows.

Each body holds strings, integers and null only (dates ISO 8601, numbers as decimal strings),
so an outsider recomputes the leaf hash from the record alone (docs/ledger.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from jiliang.ledger.services import Item, append
from jiliang.trust import LogRecord

CERTIFICATE_ISSUED = "certificate.issued"
CERTIFICATE_STANDARDS_CHANGED = "certificate.standards_changed"


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


_BODY_COLUMNS = (
    "pk",
    "number",
    "kind",
    "issuer_id",
    "issuer__uscc",
    "issuer__name_zh",
    "external_issuer",
    "cmc_reference",
    "instrument__serial_number",
    "instrument__name",
    "instrument__owner__uscc",
    "instrument__owner_id",
    "instrument__category__number",
    "regulation",
    "calibration_date",
    "issued_on",
    "valid_until",
    "conclusion",
    "accuracy_class",
    "verifier__registration_number",
    "checker__registration_number",
    "approver__registration_number",
    "amends__number",
    "amendment",
    "external_document_sha256",
)


def certificate_items(pks: list[int]) -> list[Item]:
    """certificate.issued items for many certificates from three flat queries.

    Why: at 10^5 imported certificates, model instances with select/prefetch cost more than
    the import itself. The body layout is documented in docs/ledger.md; a test rebuilds it
    from the ORM objects of every demo certificate and compares.
    """
    from jiliang.registry.models import Certificate

    through_s = Certificate.standards_used.through.objects
    through_m = Certificate.materials_used.through.objects
    standards: dict[int, list[str]] = {}
    for cid, code in through_s.filter(certificate_id__in=pks).values_list(
        "certificate_id", "measurementstandard__code"
    ):
        standards.setdefault(cid, []).append(code)
    materials: dict[int, list[str]] = {}
    for cid, gbw in through_m.filter(certificate_id__in=pks).values_list(
        "certificate_id", "referencematerial__gbw_number"
    ):
        materials.setdefault(cid, []).append(gbw)
    items = []
    for row in Certificate.objects.filter(pk__in=pks).order_by("pk").values_list(*_BODY_COLUMNS):
        (pk, number, kind, issuer_id, issuer_uscc, issuer_name, external, cmc, serial, name,
         owner_uscc, owner_id, category, regulation, calibrated, issued, valid, conclusion,
         accuracy, verifier, checker, approver, amends, amendment, sha) = row  # fmt: skip
        body = {
            "number": number,
            "kind": kind,
            "issuer": issuer_uscc if issuer_id else None,
            "issuer_name": issuer_name if issuer_id else external,
            "cmc_reference": cmc,
            "instrument": {
                "serial_number": serial,
                "name": name,
                "owner": owner_uscc,
                "catalogue_item": category,
            },
            "regulation": regulation,
            "calibration_date": _day(calibrated),
            "issued_on": _day(issued),
            "valid_until": _day(valid),
            "conclusion": conclusion,
            "accuracy_class": accuracy,
            "verifier": verifier,
            "checker": checker,
            "approver": approver,
            "standards_used": sorted(standards.get(pk, ())),
            "materials_used": sorted(materials.get(pk, ())),
            "amends": amends,
            "amendment": amendment,
            "external_document_sha256": sha,
        }
        items.append(
            Item(
                LogRecord(CERTIFICATE_ISSUED, 1, body),
                "certificate",
                number,
                f"{CERTIFICATE_ISSUED}:{number}",
                owner_id,
                issuer_id,
            )
        )
    return items


def log_certificates(pks: Iterable[int]) -> list[int | None]:
    """Append certificate.issued for each certificate (once: deduplicated by number)."""
    ids = list(pks)
    items = []
    for start in range(0, len(ids), 2000):
        items += certificate_items(ids[start : start + 2000])
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
