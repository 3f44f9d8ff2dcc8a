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
