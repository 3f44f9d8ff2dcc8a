"""Import of a DCC from another laboratory: it joins the traceability graph as an external link.

Moved out of services.py (``services.import_dcc`` still imports). What the import checks:

- the file: defusedxml (no DTD, entities or external references), the DCC 3.3.0 schema and
  our consistency rules (``jiliang.dcc.parse_dcc``);
- its XML-DSig, when it has one (``jiliang.dcc.verify_xml_signature``): the state — valid,
  valid with an untrusted key, invalid, absent — and the signer's subject and certificate
  fingerprint are stored with the certificate (``DccSignature``) and shown wherever the
  certificate is. An invalid signature does not stop the import (the file is still the
  record the customer was given), but it is never shown as anything but invalid;
- the number, with the registry's rule book (``write_rules.number_refusals``): a certificate
  the user may see is named as existing; for anything else one message says that the number
  is not available, so the answer does not tell whether another issuer's certificate exists.

Trusted signers: the PEM certificates in ``DATA_DIR/dcc_trusted_certificates.pem`` (CA or
signer certificates; a missing file trusts nobody).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from jiliang import dcc
from jiliang.calibration.models import DccSignature
from jiliang.registry import write_rules
from jiliang.registry.models import Certificate, Instrument

TRUST_FILE = "dcc_trusted_certificates.pem"


def trust_file() -> Path:
    """Where the trusted XML-DSig certificates are kept (PEM, one or more)."""
    return Path(settings.DATA_DIR) / TRUST_FILE


def trusted_certificates() -> list[x509.Certificate]:
    """The certificates whose keys (or whose issued keys) we trust; [] without the file."""
    path = trust_file()
    if not path.exists():
        return []
    return list(x509.load_pem_x509_certificates(path.read_bytes()))


def _instrument(user: Any, parsed: dcc.Certificate, instrument_id: int | None) -> Instrument:
    own = Instrument.objects.filter(owner_id=user.institution_id)
    if instrument_id is not None:
        instrument = own.filter(pk=instrument_id).first()
        if instrument is None:
            raise ValidationError({"instrument": f"no instrument {instrument_id} of yours"})
        return instrument
    serials = [i.value for item in parsed.items for i in item.identifications if i.value]
    matches = list(own.filter(serial_number__in=serials)[:2])
    if len(matches) != 1:
        raise ValidationError(
            {
                "instrument": f"{'no' if not matches else 'more than one'} instrument of yours "
                f"has one of the identifications {', '.join(serials)}; give instrument_id"
            }
        )
    return matches[0]


def _record_signature(certificate: Certificate, check: dcc.XmlSignatureCheck) -> DccSignature:
    return DccSignature.objects.create(
        certificate=certificate,
        state=check.state.value,
        signer_subject=check.subject[:500],
        key_fingerprint=check.fingerprint,
        reason=check.reason[:500],
    )


def import_dcc(user: Any, data: bytes, name: str, instrument_id: int | None = None) -> Certificate:
    """A DCC from another laboratory joins the traceability graph as an external link."""
    if user is None or not user.is_authenticated or not user.institution_id:
        raise PermissionDenied("log in to import certificates")
    try:
        parsed = dcc.parse_dcc(data, name)
        signature = dcc.verify_xml_signature(data, trusted_certificates(), source=name)
    except dcc.DccSchemaError as exc:
        raise ValidationError({"file": [str(i) for i in exc.issues]}) from None
    except dcc.DccError as exc:
        raise ValidationError({"file": str(exc)}) from None
    digest = hashlib.sha256(data).hexdigest()
    instrument = _instrument(user, parsed, instrument_id)
    mine = Certificate.objects.visible_to(user).filter(number=parsed.number).first()
    if (
        mine is not None
        and mine.external_document_sha256 == digest
        and mine.instrument_id == instrument.pk
    ):
        return mine  # the same file again: idempotent
    refusal = write_rules.number_refusals([parsed.number], [None], user).get(0)
    if refusal is not None:
        raise ValidationError({"number": refusal})
    lab_name = parsed.laboratory.name.get("zh") or parsed.laboratory.name.get("en")
    values = {
        "external_issuer": lab_name[:160],
        "regulation": (parsed.methods[0].norm or "")[:40] if parsed.methods else "",
    }
    problems = write_rules.field_problems(Certificate, values)
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            certificate = _create(parsed, instrument, digest, values)
            _record_signature(certificate, signature)
    except IntegrityError:  # the same number written meanwhile by another request
        raise ValidationError({"number": f"{parsed.number!r} {write_rules.UNAVAILABLE}"}) from None
    return certificate


def _create(
    parsed: dcc.Certificate, instrument: Instrument, digest: str, values: dict[str, str]
) -> Certificate:
    return Certificate.objects.create(
        number=parsed.number,
        kind=Certificate.Kind.CALIBRATION,
        issuer=None,
        instrument=instrument,
        calibration_date=parsed.end_performance_date,
        issued_on=parsed.issue_date or parsed.end_performance_date,
        valid_until=None,
        conclusion=Certificate.Conclusion.CALIBRATED,
        external_document_sha256=digest,
        **values,
    )
