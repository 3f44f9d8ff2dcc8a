"""What an approval writes into the registry, at once, through the registry's own rules.

standard examination -> ExaminationCertificate (validity from registry.rules; the ledger's
signal logs it as standard.examination_granted/renewed, and the interlock of
registry.services accepts the standard from the issue day); authorisation -> Authorisation;
metrologist registration -> Person; renewal -> the Person's validity extended;
pattern approval -> PatternApproval with its CPA number (this app's model).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from jiliang.registry import rules, write_rules
from jiliang.registry.models import (
    Authorisation,
    CatalogueItem,
    ExaminationCertificate,
    MeasurementStandard,
    Person,
)
from jiliang.services.kinds import Kind
from jiliang.services.models import Application, PatternApproval


class GrantRefused(Exception):
    """The registry refused the record; nothing was written (field, reason)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _checked(obj: Model) -> Model:
    values = {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    problems = write_rules.field_problems(type(obj), values)
    if problems:
        field, reason = next(iter(problems.items()))
        raise GrantRefused(field, reason)
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, reasons = next(iter(exc.message_dict.items()))
        raise GrantRefused(field, "; ".join(reasons)) from None
    obj.save()
    return obj


def _sequence(application: Application) -> str:
    return f"{application.pk:05d}"


def grant(kind: Kind, application: Application, on: dt.date) -> str:
    """Write the registry record of an approval; returns its number for the case page."""
    subject: dict[str, Any] = application.subject
    authority = application.authority
    if kind.grants == "examination_certificate":
        standard = MeasurementStandard.objects.get(pk=subject["standard_id"])
        number = f"[{on.year}]{authority.division_code}量标证字第{_sequence(application)}号"
        exam = ExaminationCertificate(
            standard=standard,
            number=number,
            issued_on=on,
            valid_until=rules.examination_valid_until(on),
        )
        _checked(exam)
        return number
    if kind.grants == "authorisation":
        years = kind.validity_years or 5
        number = f"({authority.division_code[:2]})计授({on.year}){_sequence(application)}号"
        auth = Authorisation(
            institution=application.applicant,
            form=subject["form"],
            scope=subject["scope"],
            certificate_number=number,
            valid_from=on,
            valid_until=rules.add_years(on, years) - dt.timedelta(days=1),
        )
        _checked(auth)
        return number
    if kind.grants == "person_registration":
        years = kind.validity_years or 5
        number = f"ZJ{authority.division_code[:2]}{on.year}{_sequence(application)}"
        person = Person(
            institution=application.applicant,
            name=subject["name"],
            registration_number=number,
            level=int(subject["level"]),
            registration_scope=list(subject.get("scope", [])),
            roles=list(subject.get("roles", ["verifier"])),
            valid_from=on,
            valid_until=rules.add_years(on, years) - dt.timedelta(days=1),
        )
        _checked(person)
        return number
    if kind.grants == "person_renewal":
        years = kind.validity_years or 5
        person = Person.objects.get(pk=subject["person_id"])
        base = max(person.valid_until, on)
        person.valid_until = rules.add_years(base, years)
        person.save(update_fields=["valid_until"])
        return person.registration_number
    if kind.grants == "pattern_approval":
        category = CatalogueItem.objects.filter(number=subject.get("category", "")).first()
        cpa = f"{on.year}C{_sequence(application)}-{authority.division_code[:2]}"
        approval = PatternApproval(
            cpa_number=cpa,
            maker=application.applicant,
            authority=authority,
            instrument_name=subject["instrument_name"],
            model=subject["model"],
            category=category,
            approved_on=on,
            application=application,
        )
        approval.full_clean()
        approval.save()
        return cpa
    raise GrantRefused("kind", f"{kind.key} grants nothing in the registry")
