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


def _person(p: Any) -> str | None:
    return p.registration_number if p is not None else None


def certificate_body(cert: Any) -> dict[str, Any]:
    """The certificate's canonical fields, with the codes of the standards used."""
    instrument = cert.instrument
    return {
        "number": cert.number,
        "kind": cert.kind,
        "issuer": cert.issuer.uscc if cert.issuer_id else None,
        "issuer_name": cert.issuer.name_zh if cert.issuer_id else cert.external_issuer,
        "cmc_reference": cert.cmc_reference,
        "instrument": {
            "serial_number": instrument.serial_number,
            "name": instrument.name,
            "owner": instrument.owner.uscc,
            "catalogue_item": instrument.category.number if instrument.category_id else None,
        },
        "regulation": cert.regulation,
        "calibration_date": _day(cert.calibration_date),
        "issued_on": _day(cert.issued_on),
        "valid_until": _day(cert.valid_until),
        "conclusion": cert.conclusion,
        "accuracy_class": cert.accuracy_class,
        "verifier": _person(cert.verifier),
        "checker": _person(cert.checker),
        "approver": _person(cert.approver),
        "standards_used": sorted(s.code for s in cert.standards_used.all()),
        "materials_used": sorted(m.gbw_number for m in cert.materials_used.all()),
        "amends": cert.amends.number if cert.amends_id else None,
        "amendment": cert.amendment,
        "external_document_sha256": cert.external_document_sha256,
    }


def _certificates(pks: Iterable[int]) -> Any:
    from jiliang.registry.models import Certificate

    return (
        Certificate.objects.filter(pk__in=list(pks))
        .select_related(
            "issuer",
            "instrument__owner",
            "instrument__category",
            "verifier",
            "checker",
            "approver",
            "amends",
        )
        .prefetch_related("standards_used", "materials_used")
        .order_by("pk")
    )


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
    the import itself. The bodies equal certificate_body(cert) (tested on every demo
    certificate).
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
    for cert in _certificates([pk]):
        body = {
            "number": cert.number,
            "standards_used": sorted(s.code for s in cert.standards_used.all()),
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
