"""Who may see and act on calibration work: the one place every write path asks.

Why a module of its own: the receipt, signing, issuing and return rules all call these
checks, and each of those modules must import them without importing one another.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from jiliang.calibration.models import Job
from jiliang.registry.models import Certificate
from jiliang.registry.querysets import is_admin


def is_lab_staff(user: Any, lab_id: int) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "role", "") == "lab"
        and user.institution_id == lab_id
    )


def require_lab_staff(user: Any, lab_id: int) -> None:
    if not is_lab_staff(user, lab_id):
        raise PermissionDenied("only the laboratory's own staff may do this")


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    """Lab staff see their lab's jobs, regulators their region's, admins all; others none."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    if is_admin(user):
        return Job.objects.all()
    if user.role in ("lab", "regulator") or (
        user.institution is not None and user.institution.kind == "regulator"
    ):
        return Job.objects.visible_to(user)
    return Job.objects.none()


def certificates_visible_to(user: Any) -> QuerySet[Certificate]:
    """Customers see their own certificates; labs those they issued; regulators their region."""
    return Certificate.objects.visible_to(user)
