"""Permission-restricted querysets: every list, API, export and CLI query goes through
`visible_to(user)` (NetBox's RestrictedQuerySet idea, with jiliang's institution rules)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


def region_prefix(division_code: str) -> str:
    """'370000' → '37', '370300' → '3703', '370303' → '370303'."""
    code = division_code
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def is_admin(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or getattr(user, "role", "") == "admin")
    )


class RestrictedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def visible_to(self, user: Any) -> RestrictedQuerySet:
        model = self.model
        if getattr(model, "public_register", False) or is_admin(user):
            return self
        if user is None or not user.is_authenticated or user.institution_id is None:
            return self.none()
        scope = getattr(model, "scope_field", None)
        if scope is None:
            return self.none()
        institution = user.institution
        if user.role == "regulator" or institution.kind == "regulator":
            prefix = region_prefix(institution.division_code)
            region_field = _region_field(model, scope)
            return self.filter(**{f"{region_field}__startswith": prefix})
        condition = Q(**{scope: institution.pk})
        if institution.is_lab:
            condition |= _lab_extra(model, institution.pk)
        return self.filter(condition)


def _region_field(model: type[models.Model], scope: str) -> str:
    """Instruments carry their own location; everything else follows its institution."""
    if model._meta.model_name == "instrument":
        return "division_code"
    if model._meta.model_name == "certificate":
        return "instrument__division_code"
    return f"{scope}__division_code"


def _lab_extra(model: type[models.Model], lab_id: int) -> Q:
    """A laboratory also sees its customers' instruments and the certificates it issued."""
    name = model._meta.model_name
    if name == "instrument":
        from jiliang.registry.models import LabCustomer

        customers = LabCustomer.objects.filter(lab_id=lab_id).values("owner_id")
        return Q(owner_id__in=customers)
    if name == "certificate":
        return Q(issuer_id=lab_id)
    return Q(pk__in=[])
