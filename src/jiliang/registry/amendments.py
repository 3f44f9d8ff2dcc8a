"""Amending an issued certificate: a new certificate that corrects (更正) or substitutes (替代)
the original, which stays as it was (certificates are immutable; the chain is the record).

Kept apart from services.py so the pages and the API share one rule set: who may amend,
which fields may be corrected, and the same consistency checks as the importer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from jiliang.registry.models import Certificate, Person
from jiliang.registry.querysets import is_admin
from jiliang.registry.services import certificate_problems, certificate_standard_problems
from jiliang.registry.signatories import certificate_signatory_problems, unknown_signatory
from jiliang.registry.write_rules import (
    field_problems,
    number_problem,
    number_refusals,
    text_problem,
)

# Fields an amendment may correct; everything else is copied from the original.
CORRECTABLE = (
    "calibration_date",
    "issued_on",
    "valid_until",
    "conclusion",
    "accuracy_class",
    "regulation",
    "kind",
)
SIGNATORY_ROLES = ("verifier", "checker", "approver")
# Copied unchanged: what the certificate is about and who issued it.
COPIED = (
    "kind",
    "issuer_id",
    "external_issuer",
    "cmc_reference",
    "instrument_id",
    "regulation",
    "calibration_date",
    "issued_on",
    "valid_until",
    "conclusion",
    "accuracy_class",
    "verifier_id",
    "checker_id",
    "approver_id",
    "external_document_sha256",
)
KINDS = (Certificate.Amendment.AMENDS.value, Certificate.Amendment.SUBSTITUTES.value)


def amend_refusal(original: Certificate, user: Any) -> str | None:
    """Why `user` may not amend `original` (None: they may).

    As for imports, a certificate is written by the institution that issued it; an external
    certificate (an NMI abroad, issuer None) was registered by the instrument's owner, so the
    owner corrects it. Administrators may do everything.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return "sign in to amend a certificate"
    if is_admin(user):
        return None
    if original.issuer_id is not None:
        if user.institution_id != original.issuer_id:
            return "only the issuing institution may amend this certificate"
        return None
    if user.institution_id is None or user.institution_id != original.instrument.owner_id:
        return "an external certificate may only be amended by the instrument's owner"
    return None


def latest_in_chain(certificate: Certificate) -> Certificate:
    """The last certificate of the amendment chain that starts at `certificate`."""
    latest = certificate
    for _ in range(1000):  # a chain never loops (each step is newer), but bound the walk
        later = Certificate.objects.filter(amends=latest).order_by("-issued_on", "-id").first()
        if later is None:
            break
        latest = later
    return latest


def resolve_signatory(
    original: Certificate, role: str, text: str | None, people: QuerySet[Person]
) -> Person | None:
    """The signatory typed for `role` as a registration number: nobody (blank), the
    original's (unchanged, even if the user cannot list that person), or a registered
    metrologist among `people` (the ones the user may see)."""
    text = (text or "").strip()
    if not text:
        return None
    current: Person | None = getattr(original, role)
    if current is not None and current.registration_number == text:
        return current
    problem = text_problem(text, 40)
    if problem is not None:  # before the lookup: PostgreSQL refuses a NUL byte with an error
        raise ValidationError({role: problem})
    person = people.filter(registration_number=text).first()
    if person is None:
        raise ValidationError({role: unknown_signatory(text)})
    return person


def signatory_problems(person: Person, role: str, certificate: Certificate) -> list[str]:
    """Why `person` may not sign `certificate` as `role` (empty: may sign): the registry's
    registered-metrologist rule on the issue date, for the instrument's quantity or item."""
    instrument = certificate.instrument
    wanted = []
    if instrument.quantity_id is not None:
        wanted.append(instrument.quantity.code)
    if instrument.category_id is not None:
        wanted.append(instrument.category.number)
    return certificate_signatory_problems(
        person, role, issuer_id=certificate.issuer_id, day=certificate.issued_on, wanted=wanted
    )


def issue_amendment(
    original: Certificate,
    user: Any,
    *,
    number: str,
    amendment: str,
    changes: Mapping[str, Any] | None = None,
    signatories: Mapping[str, Person | None] | None = None,
) -> Certificate:
    """Issue a certificate that amends or substitutes `original`, in one transaction.

    `changes` holds the corrected fields (CORRECTABLE); `signatories` maps a role to the
    person who signs the new certificate (None: nobody); roles left out are copied. The new
    certificate copies every other field, the standards and the reference materials used.
    Raises PermissionDenied, or ValidationError naming the field; nothing is written then.
    """
    changes = dict(changes or {})
    signatories = dict(signatories or {})
    refusal = amend_refusal(original, user)
    if refusal is not None:
        raise PermissionDenied(refusal)
    errors: dict[str, list[str]] = {}

    def fail(field: str, reason: str) -> None:
        errors.setdefault(field, []).append(reason)

    for name in changes:
        if name not in CORRECTABLE:
            fail(name, f"cannot be corrected (allowed: {', '.join(CORRECTABLE)}, signatories)")
    for role in signatories:
        if role not in SIGNATORY_ROLES:
            fail(role, f"not a signatory role (allowed: {', '.join(SIGNATORY_ROLES)})")
    if errors:
        raise ValidationError(errors)

    number = (number or "").strip()
    if amendment not in KINDS:
        fail("amendment", f"must be one of {', '.join(KINDS)}")
    values = {name: getattr(original, name) for name in COPIED}
    for name, choices in (("kind", Certificate.Kind), ("conclusion", Certificate.Conclusion)):
        if name in changes and changes[name] not in choices.values:
            fail(name, f"must be one of {', '.join(choices.values)}")
            del changes[name]
    for name, reason in field_problems(Certificate, changes).items():
        fail(name, reason)  # control characters and lengths, before anything is looked up
        del changes[name]
    for name, value in changes.items():
        try:
            values[name] = Certificate._meta.get_field(name).clean(value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            for message in exc.messages:
                fail(name, message)
    syntax = number_problem(number)
    if syntax is not None:
        fail("number", syntax)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Lock the original: two amendments of it racing each other, the second sees the first.
        original = Certificate.objects.select_for_update().get(pk=original.pk)
        later = Certificate.objects.filter(amends=original).exists()
        if later:
            latest = latest_in_chain(original)
            raise ValidationError(
                {
                    "amends": f"certificate {original.number} has already been amended; "
                    f"amend the latest one, {latest.number}"
                }
            )
        # taken, or in another issuer's numbering series (one message when the user may not
        # see the certificate that has it): the rule every write path applies
        refusal = number_refusals([number], [original.issuer_id], user).get(0)
        if refusal is not None:
            fail("number", refusal)
        _check_consistency(original, values, fail)
        standards = list(original.standards_used.all())
        for standard in standards:
            for problem in certificate_standard_problems(
                standard, original.issuer_id, values["calibration_date"]
            ):
                fail("standards", problem)
        new = Certificate(
            number=number,
            amends=original,
            amendment=amendment,
            **values,
        )
        for role, person in signatories.items():
            setattr(new, role, person)
        for role, person in signatories.items():
            if person is None or person.pk == getattr(original, f"{role}_id"):
                continue  # unchanged signatures are the original's, checked when it was issued
            for problem in signatory_problems(person, role, new):
                fail(role, problem)
            others = [r for r in SIGNATORY_ROLES if r != role]
            if any(getattr(new, f"{r}_id") == person.pk for r in others):
                fail(role, f"{person.name} already signs in another role")
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                new.save()
        except IntegrityError:  # the number was taken between the check and the insert
            raise ValidationError(
                {"number": f"certificate {number!r} already exists (certificates are immutable)"}
            ) from None
        new.use_standards(*standards)
        new.materials_used.add(*original.materials_used.all())
    return new


def _check_consistency(
    original: Certificate, values: dict[str, Any], fail: Callable[[str, str], None]
) -> None:
    """The certificate rule every writer applies, plus: not issued before the original."""
    issued: dt.date = values["issued_on"]
    if issued < original.issued_on:
        fail("issued_on", f"is before the original's issue date {original.issued_on}")
    problems = certificate_problems(
        values["kind"],
        values["conclusion"],
        values["calibration_date"],
        issued,
        values["valid_until"],
    )
    for name, reason in problems:
        fail(name, reason)
