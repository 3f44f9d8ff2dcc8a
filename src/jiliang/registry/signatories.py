"""Who may sign a certificate: the registered-metrologist rule (注册计量师), in one place.

The calibration app (signing a job) and certificate amendments both ask it; each adds its
own context (a logged-in user, a job's signing round) around this rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from jiliang.registry.models import Person


def registration_problems(
    person: Person,
    role: str,
    *,
    institution_id: int | None,
    day: dt.date,
    wanted: Sequence[str],
) -> list[str]:
    """Why `person` may not sign as `role` on `day` (empty: may sign).

    Registered with the issuing institution (when there is one), registration valid on the
    day, for the role, with a scope covering one of `wanted` (quantity codes or catalogue item
    numbers; nothing wanted means nothing to cover).
    """
    problems = []
    if institution_id is not None and person.institution_id != institution_id:
        problems.append(f"{person.name} is not registered with the issuing institution")
    if not person.valid_from <= day <= person.valid_until:
        problems.append(
            f"registration {person.registration_number} of {person.name} is not valid on {day} "
            f"(valid {person.valid_from} to {person.valid_until})"
        )
    covered = {str(s) for s in person.registration_scope}
    if wanted and not covered & set(wanted):
        problems.append(
            f"registration scope of {person.name} ({', '.join(sorted(covered)) or 'empty'}) does "
            f"not cover {' / '.join(wanted)}"
        )
    if role not in person.roles:
        problems.append(f"{person.name} is not registered for the role {role}")
    return problems


def certificate_signatory_problems(
    person: Person, role: str, *, issuer_id: int | None, day: dt.date, wanted: Sequence[str]
) -> list[str]:
    """Why `person` may not sign, as `role`, a certificate of `issuer_id` issued on `day`.

    The rule of every path that writes a certificate's signatories (import, amendment; the
    calibration app's signing adds its job around `registration_problems`): a certificate
    names its issuer's own metrologists, valid on the day, for the role and the item. An
    external certificate (an issuer outside the register) names none: its signatories are
    not registered here, and naming someone else's would sign in their name.
    """
    if issuer_id is None:
        return [EXTERNAL_SIGNATORY]
    return registration_problems(person, role, institution_id=issuer_id, day=day, wanted=wanted)


EXTERNAL_SIGNATORY = (
    "an external certificate names no registered metrologist (外部证书不得填写注册计量师)"
)


def unknown_signatory(text: str) -> str:
    """One message for a registration number that does not exist and one of someone the
    writer may not name (another institution's metrologist): neither is told apart."""
    return f"no registered metrologist {text[:40]!r} of the issuing institution"


def repeated_signatories(ids: dict[str, int | None]) -> list[tuple[str, str]]:
    """(role, reason) for each role whose person already signs in an earlier role: the
    verifier, checker and approver of a certificate are three different persons."""
    seen: dict[int, str] = {}
    found = []
    for role, pk in ids.items():
        if pk is None:
            continue
        if pk in seen:
            found.append((role, f"the {seen[pk]} already signs; a person signs in one role"))
        else:
            seen[pk] = role
    return found
