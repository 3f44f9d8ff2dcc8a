"""Certificate files: the PDF (weasyprint, HTML + CSS paged media) and the DCC 3.3.0 XML,
each signed with the issuing institution's Ed25519 key as a detached signature bundle."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from jiliang import dcc, numfmt
from jiliang.calibration import decisions, keys
from jiliang.calibration.models import IssuedDocument, Job, Observation, SignatureEvent
from jiliang.registry import figures
from jiliang.registry import services as registry_services
from jiliang.registry.models import Authorisation, Certificate, MeasurementStandard

# D-SI unit strings for the units the shipped procedures use (a notation, not a rule).
DSI_UNITS = {
    "g": "\\gram",
    "mg": "\\milli\\gram",
    "kg": "\\kilogram",
    "t": "\\tonne",
    "%": "\\percent",
    "°C": "\\degreeCelsius",
    "A": "\\ampere",
    "V": "\\volt",
    "Pa": "\\pascal",
    "kPa": "\\kilo\\pascal",
    "MPa": "\\mega\\pascal",
    "°C/h": "\\degreeCelsius\\hour\\tothe{-1}",
}


def dsi(unit: str) -> str:
    return DSI_UNITS.get(unit, unit or "\\one")


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}g}"


def _risk(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1e-4:
        return "< 0.01 %"
    return f"{value * 100:.2g} %"


def _authorisation(job: Job, day: dt.date) -> str:
    for auth in Authorisation.objects.filter(institution=job.lab).order_by("-valid_from"):
        if auth.is_valid_on(day):
            return auth.certificate_number
    return ""


def _standard_uncertainty(standard: MeasurementStandard) -> str:
    """'U = 5.0 mg (k = 2)': two significant digits rounded up (JJF 1059.1), no e-notation."""
    u = standard.expanded_uncertainty
    if u is None:
        return standard.accuracy_class
    if standard.uncertainty_is_relative:
        return f"Urel = {numfmt.format_relative(u)} (k = 2)"
    return f"U = {figures.uncertainty(u, standard.unit)} (k = 2)"


def _standard_rows(certificate: Certificate) -> list[dict[str, Any]]:
    rows = []
    for standard in certificate.standards_used.all().order_by("code"):
        exam = registry_services.examination_certificate_for(standard, certificate.calibration_date)
        equipment_certs = []
        for item in standard.equipment.all():
            cert = registry_services.last_passing_certificate(item, certificate.calibration_date)
            if cert is not None:
                equipment_certs.append(cert)
        rows.append(
            {
                "standard": standard,
                "range": figures.value_range(standard.range_min, standard.range_max, standard.unit),
                "uncertainty": _standard_uncertainty(standard),
                "exam": exam,
                "certificates": equipment_certs,
            }
        )
    return rows


def _context(job: Job, certificate: Certificate) -> dict[str, Any]:
    from jiliang.calibration import services

    proc = services.parsed(job.procedure)
    result = services.conclusion(job)
    rule_zh, rule_en = services.rule_text(job)
    observations = list(job.observations.all())
    limits = []
    for limit in proc.environment:
        if not limit.classes or job.accuracy_class in limit.classes:
            limits.append(limit)
    environment = [
        {
            "quantity": limit.quantity,
            "value": job.environment.get(limit.quantity, "—"),
            "unit": limit.unit,
            "limit": f"{limit.minimum if limit.minimum is not None else ''} … "
            f"{limit.maximum if limit.maximum is not None else ''}",
        }
        for limit in limits
    ]
    instrument = job.instrument
    return {
        "job": job,
        "certificate": certificate,
        "procedure": proc,
        "result": result,
        "rule_zh": rule_zh,
        "rule_en": rule_en,
        "en": job.english,
        "lab": job.lab,
        "authorisation": _authorisation(job, certificate.issued_on),
        "customer": instrument.owner,
        "instrument": instrument,
        "standards": _standard_rows(certificate),
        "environment": environment,
        "observations": [
            {
                "obs": o,
                "error": _fmt(o.error),
                "U": _fmt(o.expanded_uncertainty, 2),
                "k": f"{o.coverage_factor:.2f}" if o.coverage_factor else "—",
                "mpe": f"±{o.mpe:g}" if o.mpe is not None else "—",
                "risk": _risk(o.risk),
                "value": _fmt(o.value, 8),
            }
            for o in observations
        ],
        "show_statements": result.statement,
        "signatories": [
            (
                certificate.verifier,
                "检定员" if proc.kind == "verification" else "校准员",
                "Performed by",
            ),
            (certificate.checker, "核验员", "Checked by"),
            (certificate.approver, "批准人", "Approved by"),
        ],
        "kind_title": {
            Certificate.Kind.VERIFICATION: ("检定证书", "Verification Certificate"),
            Certificate.Kind.NOTICE: ("检定结果通知书", "Notice of Verification Result"),
            Certificate.Kind.CALIBRATION: ("校准证书", "Calibration Certificate"),
        }[Certificate.Kind(certificate.kind)],
    }


def render_pdf(job: Job, certificate: Certificate) -> bytes:
    """The certificate as PDF: cover, inner pages, 'page x of y' on every page."""
    from weasyprint import HTML

    from jiliang.calibration import check

    context = {**_context(job, certificate), **check.pdf_context(certificate)}  # QR, check code
    html = render_to_string("calibration/certificate_pdf.html", context)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def _own_certificate_digest(certificate: Certificate) -> str | None:
    """SHA-256 of a certificate's own file: our DCC, else its PDF, else an imported DCC."""
    for fmt in ("dcc", "pdf"):
        doc = IssuedDocument.objects.filter(certificate=certificate, format=fmt).first()
        if doc is not None:
            return doc.sha256
    return certificate.external_document_sha256 or None


def _equipment(certificate: Certificate) -> tuple[dcc.MeasuringEquipment, ...]:
    entries = []
    for standard in certificate.standards_used.all().order_by("code"):
        source = _standard_source_certificate(standard, certificate.calibration_date)
        digest = _own_certificate_digest(source) if source is not None else None
        entries.append(
            dcc.MeasuringEquipment(
                name=dcc.Text.of(zh=standard.name, en=f"{standard.code} {standard.name}"),
                certificate_number=source.number if source is not None and digest else None,
                certificate_sha256=digest,
                certificate_issuer=(
                    dcc.Text.of(
                        zh=source.issuer.name_zh if source.issuer else source.external_issuer,
                        en=(source.issuer.name_en or source.issuer.name_zh)
                        if source.issuer
                        else source.external_issuer,
                    )
                    if source is not None and digest
                    else None
                ),
                identifications=(dcc.Identification("calibrationLaboratory", standard.code),),
            )
        )
    return tuple(entries)


def _standard_source_certificate(standard: MeasurementStandard, day: dt.date) -> Certificate | None:
    for item in standard.equipment.all():
        cert = registry_services.last_passing_certificate(item, day)
        if cert is not None:
            return cert
    return None


def _d(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _rounded(u: float, value: float) -> tuple[Decimal, Decimal]:
    """U to two significant digits and the value to the same decimal place (GUM 7.2.6)."""
    if u <= 0 or not math.isfinite(u):
        return _d(u), _d(value)
    exponent = math.floor(math.log10(u)) - 1
    quantum = Decimal(1).scaleb(exponent)
    return _d(u).quantize(quantum), _d(value).quantize(quantum)


def build_dcc(job: Job, certificate: Certificate) -> dcc.Certificate:
    from jiliang.calibration import services

    proc = services.parsed(job.procedure)
    rule_zh, rule_en = services.rule_text(job)
    lab = job.lab
    owner = job.instrument.owner
    results = []
    for obs in job.observations.all():
        unit = dsi(obs.unit)
        point = services.test_points(job)[obs.point_index]
        quantities = []
        for name, value in point.values.items():
            if isinstance(value, Decimal):
                quantities.append(
                    dcc.Quantity(
                        dcc.Text.of(zh="标准值", en=f"Reference value ({name})"),
                        value,
                        dsi(proc.variables[name].unit),
                        ref_type="basic_referenceValue",
                    )
                )
        if obs.error is not None and obs.expanded_uncertainty is not None:
            u_rounded, error_rounded = _rounded(obs.expanded_uncertainty, obs.error)
            quantities.append(
                dcc.Quantity(
                    dcc.Text.of(zh="误差", en="Error"),
                    error_rounded,
                    unit,
                    dcc.ExpandedUncertainty(
                        u_rounded,
                        _d(round(obs.coverage_factor or 2.0, 3)),
                        _d(obs.probability or 0.95),
                        "normal",
                    ),
                    ref_type="basic_measurementError",
                )
            )
        conformity_ = None
        if obs.statement and obs.mpe is not None:
            value, zh_note, en_note = decisions.dcc_conformity(obs.statement, obs.error, obs.mpe)
            conformity_ = dcc.Conformity(
                value,
                _d(-obs.mpe),
                _d(obs.mpe),
                dsi(obs.unit),
                dcc.Text.of(zh=rule_zh + zh_note, en=rule_en + en_note),
            )
        results.append(
            dcc.Result(
                name=dcc.Text.of(zh=f"测量点 {obs.label}", en=f"Test point {obs.label}"),
                quantities=tuple(quantities),
                state="asFound" if obs.state == Observation.State.AS_FOUND else "asLeft",
                conformity=conformity_,
            )
        )
    people = []
    for person, role in (
        (certificate.verifier, "verifier 检定员/校准员"),
        (certificate.checker, "checker 核验员"),
        (certificate.approver, "approver 批准人"),
    ):
        if person is not None:
            people.append(
                dcc.RespPerson(
                    dcc.Text.of(zh=person.name, en=person.name),
                    role=role,
                    main_signer=role.startswith("approver"),
                )
            )
    result = services.conclusion(job)
    statements = [
        dcc.Statement(
            dcc.Text.of(
                zh=f"依据 {proc.code} 的判定规则：{rule_zh}",
                en=f"Decision rule under {proc.code}: {rule_en}",
            ),
            norm=proc.code,
            conformity="pass"
            if result.conclusion == "pass"
            else ("fail" if result.conclusion == "fail" else None),
            ref_type="basic_conformity",
        ),
        dcc.Statement(
            dcc.Text.of(
                zh="本证书的测量结果可溯源至国家计量基准。",
                en="The results are traceable to the national primary standards of China.",
            ),
            ref_type="basic_traceability",
        ),
    ]
    if certificate.valid_until:
        statements.append(
            dcc.Statement(
                dcc.Text.of(
                    zh=f"有效期至 {certificate.valid_until.isoformat()}",
                    en=f"Valid until {certificate.valid_until.isoformat()}",
                ),
                ref_type="basic_validityRange",
            )
        )
    conditions = []
    for key, value in job.environment.items():
        unit = next((lim.unit for lim in proc.environment if lim.quantity == key), "")
        conditions.append(
            dcc.InfluenceCondition(
                dcc.Text.of(zh=key, en=key),
                (dcc.Quantity(dcc.Text.of(en=key), Decimal(str(value)), dsi(unit)),),
            )
        )
    identifications = [dcc.Identification("manufacturer", job.instrument.serial_number)]
    identifications.append(dcc.Identification("calibrationLaboratory", job.receipt_number))
    return dcc.Certificate(
        number=certificate.number,
        laboratory=dcc.Contact(
            dcc.Text.of(zh=lab.name_zh, en=lab.name_en or lab.name_zh),
            dcc.Address(lab.address or lab.division_code, "CN"),
        ),
        customer=dcc.Contact(
            dcc.Text.of(zh=owner.name_zh, en=owner.name_en or owner.name_zh),
            dcc.Address(job.instrument.location or owner.address or owner.division_code, "CN"),
        ),
        items=(
            dcc.Item(
                name=dcc.Text.of(zh=job.instrument.name, en=job.instrument.name),
                identifications=tuple(identifications),
                manufacturer=dcc.Text.of(plain=job.instrument.maker)
                if job.instrument.maker
                else None,
                model=job.instrument.model or None,
            ),
        ),
        resp_persons=tuple(people),
        begin_performance_date=certificate.calibration_date,
        end_performance_date=certificate.calibration_date,
        issue_date=certificate.issued_on,
        receipt_date=job.received_on,
        results=tuple(results),
        statements=tuple(statements),
        methods=(dcc.Method(dcc.Text.of(zh=proc.title.zh, en=proc.title.en), norm=proc.code),),
        equipment=_equipment(certificate),
        conditions=tuple(conditions),
    )


def render_dcc(job: Job, certificate: Certificate) -> bytes:
    return dcc.to_xml(build_dcc(job, certificate))


def _sign(institution_id: int, institution: str, data: bytes) -> str:
    bundle = dcc.sign_file_bytes(
        data, keys.private_key(institution_id), institution, timezone.now()
    )
    return bundle.to_json()


def issue_documents(job: Job, certificate: Certificate) -> None:
    """Render, sign and store the DCC and the PDF (inside the issuing transaction)."""
    name = job.lab.name_en or job.lab.name_zh
    xml = render_dcc(job, certificate)
    pdf = render_pdf(job, certificate)
    for fmt, data in ((IssuedDocument.Format.DCC, xml), (IssuedDocument.Format.PDF, pdf)):
        IssuedDocument.objects.create(
            certificate=certificate,
            format=fmt,
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
            signature=_sign(job.lab_id, name, data),
        )


def signature_steps(job: Job) -> list[SignatureEvent]:
    return list(job.signatures.select_related("person", "user").order_by("at", "id"))
