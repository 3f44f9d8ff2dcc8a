"""Who may write a registry record for an institution (issue 13 §1): one rule for the record
forms, their API and the changes of state.

An institution's own members write its records (read-only staff and regulators do not); a
laboratory writes for a customer it recorded that has not yet joined the platform
(`Institution.joined` false, `recorded_by` the laboratory) and creates instruments for a
customer that keeps an accepted relation with it; a platform administrator writes anything.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from jiliang.registry.customer_models import LabCustomer
from jiliang.registry.models import Institution
from jiliang.registry.querysets import is_admin


def member_writer(user: Any) -> Institution | None:
    """The institution the user writes for, or None (anonymous, read-only, regulator)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.institution_id is None or user.role not in ("owner", "lab", "centre"):
        return None
    if "readonly" in (getattr(user, "staff_roles", None) or []):
        return None
    return user.institution  # type: ignore[no-any-return]


def acts_for(user: Any, owner: Institution) -> bool:
    """Whether the user may edit and change the state of the owner's records."""
    if is_admin(user):
        return True
    own = member_writer(user)
    if own is None:
        return False
    if own.pk == owner.pk:
        return True
    return bool(
        not owner.joined and owner.recorded_by_id == own.pk and user.role == "lab" and own.is_lab
    )


def may_create_instrument_for(user: Any, owner: Institution) -> bool:
    """Its own records, a placeholder it recorded, or a customer that accepted the lab."""
    if acts_for(user, owner):
        return True
    own = member_writer(user)
    if own is None or user.role != "lab" or not own.is_lab:
        return False
    return LabCustomer.objects.filter(
        lab_id=own.pk, owner_id=owner.pk, status=LabCustomer.Status.ACCEPTED
    ).exists()


def require_acts_for(user: Any, owner: Institution) -> None:
    if not acts_for(user, owner):
        raise PermissionDenied(_("无权修改该机构的记录"))
