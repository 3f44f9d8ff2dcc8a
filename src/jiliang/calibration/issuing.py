"""Issuing: certificate numbers from the laboratory's series (taken inside the issuing
transaction, so a failed issue consumes none), the registry certificate and its signed files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiliang.calibration import decisions
from jiliang.calibration.access import certificates_visible_to, require_lab_staff
from jiliang.calibration.models import IssuedDocument, Job, NumberSeries, SignatureEvent
from jiliang.calibration.procedure_records import parsed
from jiliang.calibration.results import conclusion
from jiliang.registry import rules, write_rules
from jiliang.registry import services as registry_services
from jiliang.registry.models import Certificate, Institution, Person

_PATTERN_FIELDS = {"institution_code", "year", "seq"}


def check_pattern(pattern: str) -> None:
    import string

    try:
        names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    except ValueError as exc:  # an unbalanced brace: "{seq"
        raise ValidationError({"pattern": f"not a format pattern: {exc}"}) from None
    if "seq" not in names:
        raise ValidationError({"pattern": "must contain {seq} (e.g. {seq:06d})"})
    if any(c in pattern for c in "/\\?#%"):
        raise ValidationError({"pattern": "must not contain / \\ ? # % (numbers appear in URLs)"})
    unknown = names - _PATTERN_FIELDS
    if unknown:
        raise ValidationError(
            {
                "pattern": f"unknown field {{{sorted(unknown)[0]}}} (allowed: year, seq, institution_code)"
            }
        )
    try:
        pattern.format(institution_code="X", year=2026, seq=1)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationError({"pattern": f"not a valid pattern: {exc}"}) from None


def configure_numbering(user: Any, institution_code: str, pattern: str) -> None:
    """Set the lab's number pattern; existing sequences keep counting (numbers never repeat)."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("log in as laboratory staff")
    require_lab_staff(user, user.institution_id)
    check_pattern(pattern)
    if not re.fullmatch(r"[A-Za-z0-9-]{1,20}", institution_code):
        raise ValidationError({"institution_code": "1–20 letters, digits or '-'"})
    # series never overlap: another's issuing would skip this one's numbers (issue 12)
    overlap = write_rules.series_refusal(
        user.institution_id, pattern, institution_code, timezone.localdate().year
    )
    if overlap is not None:
        raise ValidationError({overlap[0]: overlap[1]})
    NumberSeries.objects.filter(institution_id=user.institution_id).update(
        institution_code=institution_code, pattern=pattern
    )
    if not NumberSeries.objects.filter(institution_id=user.institution_id).exists():
        NumberSeries.objects.create(
            institution_id=user.institution_id,
            institution_code=institution_code,
            pattern=pattern,
            period=timezone.localdate().year if "{year" in pattern else 0,
        )


def _next_number(institution: Institution, day: dt.date) -> str:
    """Take the next number inside the caller's transaction (row locked until commit)."""
    template = NumberSeries.objects.filter(institution=institution).order_by("-id").first()
    code = template.institution_code if template else write_rules.default_series_code(institution)
    pattern = template.pattern if template else "{institution_code}-{year}-{seq:06d}"
    period = day.year if "{year" in pattern else 0
    NumberSeries.objects.get_or_create(
        institution=institution,
        period=period,
        defaults={"institution_code": code, "pattern": pattern},
    )
    series = NumberSeries.objects.select_for_update().get(institution=institution, period=period)
    while True:
        series.last_seq += 1
        number = pattern.format(institution_code=code, year=day.year, seq=series.last_seq)
        if not Certificate.objects.filter(number=number).exists():
            break
    series.save(update_fields=["last_seq"])
    return number


def _valid_until(start: dt.date, months: int) -> dt.date:
    """Last day of validity: the verification period from the work date, less one day."""
    return rules.add_months(start, months) - dt.timedelta(days=1)


def _issue(
    job: Job, people: Mapping[str, Person], on_numbered: Callable[[str], None] | None
) -> Certificate:
    """Create the registry certificate, its signed PDF and DCC — one transaction (the caller's);
    ``people``: the signatories of the current round, by step."""
    from jiliang.calibration import documents

    proc = parsed(job.procedure)
    result = conclusion(job)
    if result.conclusion == decisions.UNDECIDED:  # readiness refuses it too; never issue 待定
        raise ValidationError(decisions.undecided_problem(result))
    today = timezone.localdate()
    work_date = job.work_date or today
    # the interlock again at release: a standard found nonconforming since the work was
    # recorded stops the issue (ISO/IEC 17025 7.10)
    registry_services.require_usable(list(job.standards.all()), work_date)
    number = _next_number(job.lab, today)
    if on_numbered is not None:
        on_numbered(number)
    valid_until = (
        _valid_until(work_date, proc.verification_period.months)
        if result.conclusion == Certificate.Conclusion.PASS
        else None
    )
    certificate = Certificate.objects.create(
        number=number,
        kind=result.kind,
        issuer=job.lab,
        instrument=job.instrument,
        regulation=proc.code,
        calibration_date=work_date,
        issued_on=today,
        valid_until=valid_until,
        conclusion=result.conclusion,
        accuracy_class=job.accuracy_class if result.conclusion == "pass" else "",
        verifier=people.get(SignatureEvent.Step.RECORD),
        checker=people.get(SignatureEvent.Step.CHECK),
        approver=people.get(SignatureEvent.Step.APPROVE),
    )
    certificate.use_standards(*job.standards.all())
    job.certificate = certificate
    job.save(update_fields=["certificate"])
    documents.issue_documents(job, certificate)
    return certificate


def document(certificate: Certificate, fmt: str) -> IssuedDocument:
    found = IssuedDocument.objects.filter(certificate=certificate, format=fmt).first()
    if found is None:
        raise ValidationError({"format": f"certificate {certificate.number} has no {fmt} file"})
    return found


def find_certificate(user: Any, number: str) -> Certificate:
    found = certificates_visible_to(user).filter(number=number).first()
    if found is None:
        raise ValidationError({"number": f"no certificate {number!r} visible to you"})
    return found
