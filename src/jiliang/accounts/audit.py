"""Change logging for every registry model: who, when, before/after (NetBox style)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from jiliang.accounts.middleware import current_user

AUDITED_APPS = {"registry", "calibration", "comparisons", "lots", "taximeters"}


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Plain JSON values of the concrete fields (foreign keys by id)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, decimal.Decimal):
            value = str(value)
        elif isinstance(value, bytes):
            value = value.hex()
        data[field.attname] = value
    return data


def _audited(sender: type[models.Model]) -> bool:
    return sender._meta.app_label in AUDITED_APPS and not getattr(sender, "audit_exempt", False)


def _before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not _audited(sender) or instance.pk is None or kwargs.get("raw"):
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None  # type: ignore[attr-defined]


def _after(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if not _audited(sender) or kwargs.get("raw"):
        return
    from jiliang.accounts.models import ChangeRecord

    after = snapshot(instance)
    before = None if created else getattr(instance, "_audit_before", None)
    if before == after:
        return
    ChangeRecord.objects.create(
        user=current_user.get(),
        model=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE,
        before=before,
        after=after,
    )


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not _audited(sender):
        return
    from jiliang.accounts.models import ChangeRecord

    ChangeRecord.objects.create(
        user=current_user.get(),
        model=sender._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=ChangeRecord.Action.DELETE,
        before=snapshot(instance),
        after=None,
    )


def connect_signals() -> None:
    pre_save.connect(_before, dispatch_uid="jiliang-audit-before")
    post_save.connect(_after, dispatch_uid="jiliang-audit-after")
    post_delete.connect(_deleted, dispatch_uid="jiliang-audit-delete")
